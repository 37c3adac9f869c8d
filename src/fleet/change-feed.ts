import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Portal } from '../portal/client.js';
import type { Store } from '../store/store.js';
import type { ChangeFeed, HostResult } from './run-fleet.js';

const CURSOR_KEY = 'fleet_change_cursor';
const SUCCEEDED: readonly string[] = ['up-to-date', 'applied', 'pending'];

/**
 * The portal's "what changed since" feed (docs/portal-api.md) for a fleet
 * run. The cursor lives in the store and moves on only when every host of the
 * run succeeded, so a host that failed is polled again next time.
 */
export function portalChangeFeed(portal: Portal, store: Store, log: Logger): ChangeFeed {
  let next: string | null = null;
  return {
    async changed(signal) {
      const since = store.getMeta(CURSOR_KEY) ?? '';
      const changed = new Set<string>();
      try {
        let cursor = since;
        for (let page = 0; page < 100; page++) {
          const answer = await portal.changesSince(cursor, signal);
          for (const c of answer.value.changes) changed.add(c.deploymentId);
          cursor = answer.value.cursor;
          if (!answer.value.more) break;
        }
        next = cursor;
      } catch (err) {
        log.warn({ error: errorMessage(err) }, 'the portal change feed failed; every host polls the portal');
        return null;
      }
      // Without an earlier cursor nothing is known to be unchanged.
      return since === '' ? null : changed;
    },
    async settle(results: readonly HostResult[]) {
      if (next === null) return;
      if (results.every((r) => SUCCEEDED.includes(r.outcome))) store.guard((s) => s.setMeta(CURSOR_KEY, next!));
    },
  };
}

import type { Logger } from '../log/logger.js';
import type { Portal } from '../portal/client.js';
import type { Store } from '../store/store.js';
import type { ChangeFeed, HostResult } from './run-fleet.js';

const CURSOR_KEY = 'fleet_change_cursor';
const SUCCEEDED: readonly string[] = ['up-to-date', 'applied', 'pending'];
/** A backlog longer than this is not read in one run: polling every host is cheaper than following it. */
const MAX_PAGES = 100;

/**
 * The portal's "what changed since" feed (docs/portal-api.md) for a fleet
 * run. The cursor lives in the store and moves on only when every host of the
 * run succeeded, so a host that failed is polled again next time. A failing
 * feed throws: runFleet then polls every host.
 */
export function portalChangeFeed(portal: Portal, store: Store, log: Logger): ChangeFeed {
  let next: string | null = null;
  return {
    async changed(signal) {
      const since = store.getMeta(CURSOR_KEY) ?? '';
      const changed = new Set<string>();
      let cursor = since;
      let more = true;
      for (let page = 0; page < MAX_PAGES && more; page++) {
        const answer = await portal.changesSince(cursor, signal);
        for (const c of answer.value.changes) changed.add(c.deploymentId);
        cursor = answer.value.cursor;
        more = answer.value.more;
      }
      // Every host polls when null is returned, so the part read so far may be settled: the next run goes on from there.
      next = cursor;
      if (more) {
        log.warn({ pages: MAX_PAGES }, 'the portal change feed has more pages than one run reads; every host polls the portal');
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

import { existsSync } from 'node:fs';
import { configDigest, readConfigText, resolveConfigPath, storePathHint } from '../src/config/config-file.js';
import type { AgentConfig } from '../src/config/schema.js';
import { UsageError } from '../src/errors.js';
import { Store } from '../src/store/store.js';
import { agentVersion } from '../src/version.js';
import { colourOutput } from './output.js';
import { rememberedConfig } from './remembered-config.js';
import type { GlobalOptions } from './runtime.js';

export interface ReadRuntime {
  readonly config: AgentConfig;
  readonly configPath: string;
  /** Opened read-only; null when nothing has been recorded yet. */
  readonly store: Store | null;
  readonly tty: boolean;
}

/**
 * Start-up for the read-only commands (`status`, `history`), which must be
 * fast: the store is found from the raw config, and when it holds the
 * validation of this very config text, that is used. Otherwise the config is
 * validated as usual (every problem listed, exit 78).
 */
export async function openForReading(options: GlobalOptions & { readonly deployment?: string }): Promise<ReadRuntime> {
  const configPath = resolveConfigPath(options.config);
  const text = readConfigText(configPath);
  const hint = storePathHint(text, configPath);
  let store = hint !== null && existsSync(hint) ? Store.open(hint, { readonly: true }) : null;
  let config = store ? rememberedConfig(store, configDigest(text, agentVersion())) : null;
  if (config === null) {
    try {
      const { parseConfig } = await import('../src/config/load.js');
      config = parseConfig(text, configPath);
    } catch (err) {
      store?.close();
      throw err;
    }
    if (store && store.path !== config.store.path) {
      store.close();
      store = null;
    }
    if (!store && existsSync(config.store.path)) store = Store.open(config.store.path, { readonly: true });
  }
  if (store && options.deployment !== undefined) requireDeployment(store, options.deployment);
  return { config, configPath, store, tty: colourOutput() };
}

/**
 * `--deployment ID` for a deployment the store never recorded is a typo, not an empty answer: "nothing expires
 * within 90 days" for it would be false comfort (exit 2, naming the deployments there are).
 */
function requireDeployment(store: Store, id: string): void {
  if (store.guard((s) => s.expiries.hasDeployment(id))) return;
  const known = store.guard((s) => s.expiries.deployments());
  store.close();
  const SHOWN = 5;
  const names = known.slice(0, SHOWN).map((d) => (d.host === 'local' ? d.id : `${d.id} (${d.host})`));
  const more = known.length > SHOWN ? `, and ${known.length - SHOWN} more (\`status\` or \`fleet status\` lists them all)` : '';
  throw new UsageError(
    `no deployment ${id} in the store (${store.path})`,
    known.length === 0 ? 'Nothing is recorded yet: run `pbx-activation-agent check --dry-run` (or `fleet check`) first.' : `Deployments recorded there: ${names.join(', ')}${more}.`,
  );
}

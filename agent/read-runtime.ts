import { existsSync } from 'node:fs';
import { configDigest, readConfigText, resolveConfigPath, storePathHint } from '../src/config/config-file.js';
import type { AgentConfig } from '../src/config/schema.js';
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
export async function openForReading(options: GlobalOptions): Promise<ReadRuntime> {
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
  return { config, configPath, store, tty: colourOutput() };
}

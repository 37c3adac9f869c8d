import type { LoadedConfig } from '../src/config/load.js';
import type { AgentConfig } from '../src/config/schema.js';
import type { Store } from '../src/store/store.js';

/**
 * A validated configuration kept in the store with the digest of its text.
 * Commands that write the store keep it current; `status` and `history` then
 * reuse it when the file is unchanged, instead of loading the validator.
 */
const KEY = 'validated_config';
/** Bump when the validated config gains keys the read-only commands use: a kept one without them is validated afresh. */
const SHAPE = 2;

export function rememberConfig(store: Store, loaded: LoadedConfig): void {
  // Read-only commands never send alerts, and webhook URLs carry tokens: the channels are not kept.
  const config: AgentConfig = { ...loaded.config, alerts: { ...loaded.config.alerts, channels: [] } };
  const value = JSON.stringify({ digest: loaded.digest, shape: SHAPE, config });
  if (store.getMeta(KEY) !== value) store.guard((s) => s.setMeta(KEY, value));
}

export function rememberedConfig(store: Store, digest: string): AgentConfig | null {
  const value = store.getMeta(KEY);
  if (value === null) return null;
  try {
    const kept = JSON.parse(value) as { digest?: unknown; shape?: unknown; config?: AgentConfig };
    return kept.digest === digest && kept.shape === SHAPE && kept.config ? kept.config : null;
  } catch {
    return null;
  }
}

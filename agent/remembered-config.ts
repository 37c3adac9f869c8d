import type { LoadedConfig } from '../src/config/load.js';
import type { AgentConfig } from '../src/config/schema.js';
import type { Store } from '../src/store/store.js';

/**
 * A validated configuration kept in the store with the digest of its text.
 * Commands that write the store keep it current; `status` and `history` then
 * reuse it when the file is unchanged, instead of loading the validator.
 */
// `.2`: tables keyed by data became Maps, kept as tagged entries; `.3`: the renewals settings. A copy written
// before is not read back (it would lack what the read-only commands now use).
const KEY = 'validated_config.3';
const MAP_TAG = '$map';

export function rememberConfig(store: Store, loaded: LoadedConfig): void {
  // Read-only commands never send alerts, and webhook URLs carry tokens: the channels are not kept.
  const config: AgentConfig = { ...loaded.config, alerts: { ...loaded.config.alerts, channels: [] } };
  const value = JSON.stringify({ digest: loaded.digest, config }, (_key, v: unknown) => (v instanceof Map ? { [MAP_TAG]: [...v] } : v));
  if (store.getMeta(KEY) !== value) store.guard((s) => s.setMeta(KEY, value));
}

export function rememberedConfig(store: Store, digest: string): AgentConfig | null {
  const value = store.getMeta(KEY);
  if (value === null) return null;
  try {
    const kept = JSON.parse(value, (_key, v: unknown) => (isTaggedMap(v) ? new Map(v[MAP_TAG]) : v)) as { digest?: unknown; config?: AgentConfig };
    return kept.digest === digest && kept.config ? kept.config : null;
  } catch {
    return null;
  }
}

/** No configuration key starts with `$`, so an object whose only member is `$map` is a Map this module wrote. */
function isTaggedMap(v: unknown): v is { [MAP_TAG]: Array<[string, unknown]> } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && Array.isArray((v as Record<string, unknown>)[MAP_TAG]);
}

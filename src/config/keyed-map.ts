import { z } from 'zod';

/**
 * A JSON object keyed by data (licence keys, module names) read into a Map.
 * A plain object answers `constructor` or `toString` from Object.prototype
 * for a key it does not hold, and zod's record drops a `__proto__` member
 * without a word; a Map holds exactly the members written, each checked by
 * `key` (so `__proto__` is refused like any other malformed key).
 */
export function keyedMap<V extends z.ZodType>(key: z.ZodType<string>, value: V, example: string) {
  return z.preprocess(
    (input) => (isJsonObject(input) ? new Map(Object.entries(input)) : input),
    z.map(key, value, { error: `must be an object such as ${example}` }),
  );
}

/** The same for a JSON document that must stay JSON-shaped: an object without a prototype, so only its own members answer. */
export function keyedRecord<V extends z.ZodType>(key: z.ZodType<string>, value: V) {
  return keyedMap(key, value, '{"key": value}').transform((map) => Object.assign(Object.create(null) as Record<string, z.output<V>>, Object.fromEntries(map)));
}

function isJsonObject(input: unknown): input is Record<string, unknown> {
  return typeof input === 'object' && input !== null && !Array.isArray(input) && !(input instanceof Map);
}

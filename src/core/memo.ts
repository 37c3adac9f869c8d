/**
 * A function that computes each key's value once and keeps it. For the renderings of a fleet's 50,000
 * items, whose dates, ids and labels repeat (a few thousand distinct days, a few dozen item ids): only for
 * keys drawn from such small sets, since nothing is ever forgotten.
 */
export function memoize<K, V>(make: (key: K) => V): (key: K) => V {
  const made = new Map<K, V>();
  return (key) => {
    if (made.has(key)) return made.get(key) as V;
    const value = make(key);
    made.set(key, value);
    return value;
  };
}

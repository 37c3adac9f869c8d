/**
 * A function that computes each key's value once and keeps it. For the renderings of a fleet's 50,000
 * items, whose dates, ids and labels repeat (a few thousand distinct days, a few dozen item ids): only for
 * keys drawn from such small sets, since nothing is ever forgotten.
 */
export function memoize<K, V>(make: (key: K) => V): (key: K) => V {
  const made = new Map<K, V>();
  return (key) => {
    // One look-up when the key is known (a fleet's feed asks some 400,000 times); `has` only for an undefined value.
    let value = made.get(key);
    if (value === undefined && !made.has(key)) {
      value = make(key);
      made.set(key, value);
    }
    return value as V;
  };
}

/**
 * Immutable updates of a signal that holds a map: a new map is assigned, so computeds and
 * components reading the signal see the change.
 *
 * @module
 */

/** Sets `key` to `value` in the map `s` holds, or deletes it when `value` is undefined. */
export function setMap<K, V>(s: { value: ReadonlyMap<K, V> }, key: K, value: V | undefined): void {
  const next = new Map(s.value);
  if (value === undefined) next.delete(key);
  else next.set(key, value);
  s.value = next;
}

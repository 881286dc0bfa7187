/**
 * `make`, run once per argument object (by identity) while that object is
 * alive. A watch event goes to every stream watching its secret as one
 * object: its message is made once, and that shared message encoded once,
 * however many streams send it. `make` must depend on its argument alone.
 */
export function oncePerObject<K extends object, V>(make: (key: K) => V): (key: K) => V {
  const made = new WeakMap<K, V>();
  return (key) => {
    if (made.has(key)) return made.get(key)!;
    const value = make(key);
    made.set(key, value);
    return value;
  };
}

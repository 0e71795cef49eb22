// A read-only view of a cache by key (a Reflector, or a fake in tests).

export interface ObjectStore<T> {
  get(key: string): T | undefined;
}

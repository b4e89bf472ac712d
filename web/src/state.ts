// A tiny observable value (no state library needed) and a hook that re-renders on change.
import { useEffect, useState } from 'preact/hooks';

export interface Signal<T> { get(): T; set(v: T): void; sub(f: (v: T) => void): () => void }
export function signal<T>(v: T): Signal<T> {
  const subs = new Set<(v: T) => void>();
  return {
    get: () => v,
    set(n: T) { v = n; subs.forEach(f => f(n)); },
    sub(f) { subs.add(f); return () => subs.delete(f); },
  };
}
export function useSignal<T>(s: Signal<T>): T {
  const [, force] = useState(0);
  useEffect(() => s.sub(() => force(x => x + 1)), [s]);
  return s.get();
}

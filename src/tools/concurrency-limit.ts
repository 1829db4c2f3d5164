/**
 * Bounded concurrency, for fan-outs against one server (the provisioning semaphore's updates, the
 * client's per-host queries and describes): at most `max` calls in flight, the others in arrival order.
 */
export function concurrencyLimit(max: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const queue: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running >= max) await new Promise<void>((resolve) => queue.push(resolve));
    else running += 1;
    try {
      return await fn();
    } finally {
      // The slot passes straight to the next queued call (running stays counted for it).
      const next = queue.shift();
      if (next) next();
      else running -= 1;
    }
  };
}

/** `fn` over `items` with at most `limit` calls in flight; results in item order. */
export function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const limited = concurrencyLimit(Math.max(1, limit));
  return Promise.all(items.map((item, i) => limited(() => fn(item, i))));
}

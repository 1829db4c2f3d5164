/**
 * `fn` over `items` with at most `limit` calls in flight, results in item order. One client call
 * fanned out over a fleet (a query or describe per host, 1000 hosts) must not open a request per
 * host at once against the Temporal server.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i] as T, i);
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, lane));
  return out;
}

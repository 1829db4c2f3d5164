/** The floor workflow's only activity: it returns at once, so what is measured is Temporal's own cost. */
export async function noop(i: number): Promise<number> {
  return i;
}

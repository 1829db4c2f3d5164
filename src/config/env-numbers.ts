/** Whole-number settings from the environment, one parser for every worker setting. */

/** `name` as a whole number (fallback when unset or empty), refused outside [min, max] with `name=value: reason`. */
export function wholeNumberFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, range?: { min: number; max: number }): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  const { min, max } = range ?? { min: 0, max: Number.MAX_SAFE_INTEGER };
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}=${raw}: expected a whole number${range ? ` from ${min} to ${max}` : ''}`);
  return n;
}

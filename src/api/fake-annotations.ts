/**
 * Options of the `fake` driver, read from the host's annotations so that failure injection and step
 * durations travel with the manifest:
 *   fake.metalflow.io/step-duration: "500ms"          every step's duration
 *   fake.metalflow.io/durations: "inspect=3s,deploy=5s" per-step overrides
 *   fake.metalflow.io/fail: "inspect=1,deploy=2"        fail the first N operations of a step
 */
import { parseDurationMs as parseDuration } from './durations.js';

export const FAKE_STEPS = ['register', 'power', 'inspect', 'clean', 'deploy', 'firmware'] as const;
export type FakeStep = (typeof FAKE_STEPS)[number];

export const FakeAnnotation = {
  stepDuration: 'fake.metalflow.io/step-duration',
  durations: 'fake.metalflow.io/durations',
  fail: 'fake.metalflow.io/fail',
} as const;

export interface FakeOptions {
  durationsMs: Record<FakeStep, number>;
  failures: Partial<Record<FakeStep, number>>;
}

function parsePairs(text: string, what: string): Array<[FakeStep, string]> {
  return text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((pair) => {
      const [step = '', value = ''] = pair.split('=').map((s) => s.trim());
      if (!(FAKE_STEPS as readonly string[]).includes(step)) {
        throw new Error(`${what}: unknown step "${step}" (steps: ${FAKE_STEPS.join(', ')})`);
      }
      return [step as FakeStep, value];
    });
}

export function parseFakeOptions(annotations: Record<string, string>, defaultStepMs: number): FakeOptions {
  const base = annotations[FakeAnnotation.stepDuration] ? parseDuration(annotations[FakeAnnotation.stepDuration] ?? '') : defaultStepMs;
  const durationsMs = Object.fromEntries(FAKE_STEPS.map((s) => [s, s === 'power' || s === 'register' ? Math.min(base, 200) : base])) as Record<FakeStep, number>;
  for (const [step, value] of parsePairs(annotations[FakeAnnotation.durations] ?? '', FakeAnnotation.durations)) {
    durationsMs[step] = parseDuration(value);
  }
  const failures: FakeOptions['failures'] = {};
  for (const [step, value] of parsePairs(annotations[FakeAnnotation.fail] ?? '', FakeAnnotation.fail)) {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${FakeAnnotation.fail}: "${value}" for ${step} is not a count`);
    failures[step] = n;
  }
  return { durationsMs, failures };
}

import { ApplicationFailure } from '@temporalio/activity';
import { expect } from 'vitest';

/** The ApplicationFailure an activity run rejected with (fails the test if it resolved or threw something else). */
export async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

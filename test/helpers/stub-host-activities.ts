/** Host activities played by a workflow test: the ones it gives, every other one refused as unused. */
import { ApplicationFailure } from '@temporalio/activity';
import { createHostActivities, type HostActivities } from '../../src/activities/index.js';
import { DEFAULT_HOST_SETTINGS } from '../../src/contract/index.js';

const unused = async (): Promise<never> => {
  throw ApplicationFailure.nonRetryable('not used by this test');
};

/** Every host activity (the real names, so none is missing), non-retryably failing unless `given`. */
export function stubHostActivities(given: Partial<HostActivities>): HostActivities {
  const names = Object.keys(createHostActivities({ keyring: {} as never, drivers: {} as never, settings: DEFAULT_HOST_SETTINGS }));
  return { ...Object.fromEntries(names.map((n) => [n, unused])), ...given } as HostActivities;
}

/** Rethrows our typed errors as ApplicationFailures carrying their class name, retryability and context. */
import { ApplicationFailure } from '@temporalio/activity';
import { MetalflowError } from '../errors.js';

export async function typed<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof MetalflowError) {
      throw ApplicationFailure.create({ type: err.name, message: err.message, nonRetryable: err.nonRetryable, details: [err.context] });
    }
    throw err;
  }
}

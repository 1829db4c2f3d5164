import { describe, expect, it } from 'vitest';
import * as errors from '../../src/errors.js';
import { FailureType, MetalflowError, NON_RETRYABLE_ERROR_TYPES } from '../../src/errors.js';

/** Every exported error class, instantiated (the name and retryability are per class). */
const instances = (Object.values(errors) as unknown[])
  .filter((v): v is new (m: string) => MetalflowError => typeof v === 'function' && v.prototype instanceof MetalflowError)
  .map((C) => new C('x'));

describe('failure types', () => {
  it('names every error class in FailureType', () => {
    expect(instances.length).toBeGreaterThan(5);
    for (const e of instances) expect(FailureType[e.name as keyof typeof FailureType], e.name).toBe(e.name);
  });

  it('lists exactly the non-retryable classes as non-retryable failure types', () => {
    const nonRetryable = instances.filter((e) => e.nonRetryable).map((e) => e.name).sort();
    expect([...NON_RETRYABLE_ERROR_TYPES].sort()).toEqual(nonRetryable);
  });
});

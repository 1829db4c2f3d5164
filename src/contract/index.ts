/**
 * The contract shared by workflows, workers, boot services and clients: every name and type that
 * crosses a process boundary — the workflow and its input, signals, update and queries, activity
 * inputs, failure types, search attributes, task queues and timeouts — defined once. Changing a
 * name here is a breaking change for running hosts.
 */
export * from './host-workflow.js';
export * from './messages.js';
export type * from './activities.js';
export * from './search-attributes.js';
export * from './settings.js';
export { FailureType, NON_RETRYABLE_ERROR_TYPES } from '../errors.js';
export { DEFAULT_PROVISIONING_NETWORK } from '../api/provisioning-network.js';
export * from './provisioning-slots.js';
export * from './metrics.js';
export * from './visibility.js';

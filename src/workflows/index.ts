// The workflow bundle's entry point: everything exported here is a workflow type.
export { hostWorkflow } from './host-workflow.js';
export { provisioningSemaphoreWorkflow } from './provisioning-semaphore.js';

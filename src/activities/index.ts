export { createHostActivities, type HostActivities, type ActivityDeps } from './host-activities.js';

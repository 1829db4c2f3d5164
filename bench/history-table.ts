/**
 * History events of one host lifecycle by phase and kind, from a history in `temporal workflow show
 * -o json` form (test/fixtures/histories, or `npm run bench -- --histories DIR`). A phase runs from
 * the BmhState upsert that enters it to the next one.
 *   npx tsx bench/history-table.ts /tmp/hist/lab-host-00.json
 */
import { readFileSync } from 'node:fs';

interface JsonEvent {
  eventType: string;
  upsertWorkflowSearchAttributesEventAttributes?: { searchAttributes?: { indexedFields?: Record<string, { data?: string }> } };
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
}

const KIND: Record<string, string> = {
  WORKFLOW_TASK_SCHEDULED: 'wft', WORKFLOW_TASK_STARTED: 'wft', WORKFLOW_TASK_COMPLETED: 'wft',
  ACTIVITY_TASK_SCHEDULED: 'activity', ACTIVITY_TASK_STARTED: 'activity', ACTIVITY_TASK_COMPLETED: 'activity',
  UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: 'upsert', TIMER_STARTED: 'timer', TIMER_CANCELED: 'timer', TIMER_FIRED: 'timer',
  WORKFLOW_EXECUTION_SIGNALED: 'signal', MARKER_RECORDED: 'marker',
};
const COLUMNS = ['wft', 'activity', 'upsert', 'timer', 'signal', 'marker', 'other'];

interface Phase { name: string; kinds: Map<string, number>; activities: Map<string, number> }
const bump = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);

const file = process.argv[2];
if (!file) throw new Error('usage: history-table.ts <history.json>');
const events = (JSON.parse(readFileSync(file, 'utf8')) as { events: JsonEvent[] }).events;
const phases: Phase[] = [{ name: 'start', kinds: new Map(), activities: new Map() }];
for (const e of events) {
  const type = e.eventType.replace(/^EVENT_TYPE_/, '');
  const state = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.BmhState?.data;
  const name = state ? (JSON.parse(Buffer.from(state, 'base64').toString()) as string) : undefined;
  if (name && name !== 'none') phases.push({ name, kinds: new Map(), activities: new Map() });
  const phase = phases[phases.length - 1] as Phase;
  bump(phase.kinds, KIND[type] ?? 'other');
  const activity = e.activityTaskScheduledEventAttributes?.activityType?.name;
  if (activity) bump(phase.activities, activity);
}
const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
const lines = [`| phase | events | ${COLUMNS.join(' | ')} | activities scheduled |`, `|---|---|${COLUMNS.map(() => '---|').join('')}---|`];
for (const p of phases) {
  const acts = [...p.activities].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(', ');
  lines.push(`| ${p.name} | ${total(p.kinds)} | ${COLUMNS.map((c) => p.kinds.get(c) ?? 0).join(' | ')} | ${acts} |`);
}
const all = new Map<string, number>();
for (const p of phases) for (const [k, n] of p.kinds) all.set(k, (all.get(k) ?? 0) + n);
lines.push(`| total | ${events.length} | ${COLUMNS.map((c) => all.get(c) ?? 0).join(' | ')} | |`);
process.stdout.write(`${lines.join('\n')}\n`);

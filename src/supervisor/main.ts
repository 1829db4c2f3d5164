/**
 * `npm start`'s process supervisor: runs one command (a worker), restarts it with backoff when it
 * dies, and reports every exit and restart on its stderr (the terminal) and in the child's log.
 * SIGINT/SIGTERM stop the child gracefully and end the supervisor without a restart.
 *   node --import tsx src/supervisor/main.ts --name "host worker" --log FILE -- node --import tsx src/worker/main.ts
 */
import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Supervisor, type SupervisorEvent } from './supervisor.js';

const dash = process.argv.indexOf('--');
const { values } = parseArgs({ args: process.argv.slice(2, dash < 0 ? undefined : dash), options: { name: { type: 'string' }, log: { type: 'string' } } });
const [command, ...args] = dash < 0 ? [] : process.argv.slice(dash + 1);
if (!values.name || !values.log || !command) {
  process.stderr.write('usage: supervisor --name NAME --log FILE -- COMMAND [ARGS...]\n');
  process.exit(2);
}
const name = values.name;
const logFile = values.log;

function describe(e: SupervisorEvent): string {
  switch (e.kind) {
    case 'started':
      return e.restart === 0 ? `${name} started (pid ${e.pid})` : `${name} restarted (pid ${e.pid}, restart ${e.restart} in a row)`;
    case 'exited':
      return `${name} (pid ${e.pid}) exited ${e.signal ? `on ${e.signal}` : `with code ${e.code}`} after ${(e.ranMs / 1000).toFixed(1)} s`;
    case 'restarting':
      return `${name}: restarting in ${(e.inMs / 1000).toFixed(1)} s (logs: ${logFile})`;
    case 'error':
      return `${name}: ${e.message}`;
  }
}

let stopping = false;
const supervisor = new Supervisor({
  command,
  args,
  logFile,
  onEvent: (e) => {
    const line = `${new Date().toISOString()} supervisor: ${describe(e)}`;
    // The first start is announced by npm start itself; exits and restarts are news on the terminal.
    const news = e.kind !== 'started' || e.restart > 0;
    if (!stopping && news) process.stderr.write(`==> ${line}\n`);
    try {
      appendFileSync(logFile, `${line}\n`);
    } catch (err) {
      // The log directory gone must not end the supervisor (and the stack): the terminal has it.
      process.stderr.write(`==> ${new Date().toISOString()} supervisor: ${name}: cannot write ${logFile}: ${(err as Error).message}\n`);
    }
  },
});

const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void supervisor.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
supervisor.start();

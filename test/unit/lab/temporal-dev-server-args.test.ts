/**
 * The dev server the tests, the benchmarks and `npm start` run (PERF-PLAN change 13): SQLite in WAL
 * mode with synchronous=NORMAL, so each workflow task, activity and signal is not a rollback-journal
 * transaction with its fsyncs. Consistent after a crash; a power loss may drop the last
 * transactions, which is fine for a dev server.
 */
import { describe, expect, it } from 'vitest';
import { DEV_SERVER_SQLITE_PRAGMAS, devServerArgs } from '../../../lab/temporal-dev-server.js';

describe('Temporal dev server arguments', () => {
  it('sets journal_mode=WAL and synchronous=NORMAL through --sqlite-pragma', () => {
    expect(DEV_SERVER_SQLITE_PRAGMAS).toEqual(['journal_mode=WAL', 'synchronous=NORMAL']);
    const args = devServerArgs({ port: 1, httpPort: 2, metricsPort: 3, dbFile: '/tmp/x/temporal.sqlite', namespace: 'ns' });
    const pragmas = args.flatMap((a, i) => (a === '--sqlite-pragma' ? [args[i + 1]] : []));
    expect(pragmas).toEqual(['journal_mode=WAL', 'synchronous=NORMAL']);
    expect(args.slice(0, 2)).toEqual(['server', 'start-dev']);
  });
});

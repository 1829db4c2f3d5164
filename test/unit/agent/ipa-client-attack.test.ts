/**
 * A hostile agent at the callback URL: huge bodies, redirects (which would carry the agent token
 * elsewhere), a body that trickles, an endless command list, answers that are not command results
 * and huge error texts (which would land in workflow history). The IPA client must refuse each with
 * a typed error, send nothing to any other origin, and stop reading early.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AgentBusyError, AgentCommandFailedError, AgentResponseRefusedError, AgentUnreachableError, IPA_MAX_BODY_BYTES, IPA_MAX_COMMANDS, IpaClient } from '../../../src/agent/ipa-client.js';
import { closeAll, hugeBody, json, peer, trickle } from '../../helpers/hostile-http.js';

afterEach(closeAll);

const TOKEN = 't'.repeat(43);

/** The error `call` fails with (undefined if it succeeds). */
const failure = (call: Promise<unknown>): Promise<Error | undefined> =>
  call.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

const command = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'c1',
  command_name: 'execute_deploy_step',
  command_status: 'RUNNING',
  command_error: null,
  command_result: null,
  ...over,
});

describe('hostile agent: sizes', () => {
  it('stops reading a 100 MiB answer at the cap', async () => {
    const huge = hugeBody(100 * 2 ** 20);
    const agent = await peer(huge.handler);
    const err = await failure(new IpaClient(`${agent.origin}/node`, TOKEN).getCleanSteps({}));
    const sent = await huge.done;
    expect(sent.finished).toBe(false); // the client hung up
    expect(sent.written).toBeLessThan(IPA_MAX_BODY_BYTES + 16 * 2 ** 20); // cap plus socket buffers, far from 100 MiB
    expect(err).toBeInstanceOf(AgentResponseRefusedError);
    expect(err?.message).toContain(String(IPA_MAX_BODY_BYTES));
  });

  it('refuses a command list longer than the cap', async () => {
    const agent = await peer((req, res) => {
      if (req.method === 'POST') return json(res, command());
      json(res, { commands: Array.from({ length: 10_000 }, (_, i) => command({ id: `c${i + 2}`, command_status: 'SUCCEEDED' })) });
    });
    const err = await failure(new IpaClient(`${agent.origin}/node`, TOKEN, { pollMs: 1 }).executeDeployStep({ step: 'write_image' }, {}, {}));
    expect(agent.seen.map((s) => s.method)).toEqual(['POST', 'GET']);
    expect(err).toBeInstanceOf(AgentResponseRefusedError);
    expect(err?.message).toContain(String(IPA_MAX_COMMANDS));
  });

  it('keeps huge agent texts out of error messages and context (they reach workflow history)', async () => {
    const big = 'x'.repeat(2 ** 20);
    const busy = await peer((_req, res) => json(res, { faultstring: big }, 409));
    const busyErr = await failure(new IpaClient(`${busy.origin}/node`, TOKEN).getCleanSteps({}));
    expect(busyErr).toBeInstanceOf(AgentBusyError);
    expect(busyErr?.message.length).toBeLessThan(1000);

    const failed = await peer((_req, res) => json(res, command({ command_status: 'FAILED', command_error: { message: big, details: big } })));
    const failedErr = await failure(new IpaClient(`${failed.origin}/node`, TOKEN).getCleanSteps({}));
    expect(failedErr).toBeInstanceOf(AgentCommandFailedError);
    expect(failedErr?.message.length).toBeLessThan(4096);
    expect(JSON.stringify((failedErr as { context?: unknown }).context).length).toBeLessThan(4096);
  });
});

describe('hostile agent: shape', () => {
  it.each([
    ['an empty object', {}],
    ['an array', []],
    ['a status that is not a string', command({ command_status: 5 })],
  ])('refuses %s as a command result', async (_what, body) => {
    const agent = await peer((_req, res) => json(res, body));
    const err = await failure(new IpaClient(`${agent.origin}/node`, TOKEN).getCleanSteps({}));
    expect(err).toBeInstanceOf(AgentResponseRefusedError);
  });

  it.each([
    ['an object with a length', { commands: { length: 1e9 } }],
    ['null', null],
    ['a list of nulls', { commands: [null] }],
  ])('refuses %s as the command list', async (_what, body) => {
    const agent = await peer((_req, res) => json(res, body));
    await expect(new IpaClient(`${agent.origin}/node`, TOKEN).commands()).rejects.toThrow(AgentResponseRefusedError);
  });
});

describe('hostile agent: redirects', () => {
  it('follows no redirect, so the token goes nowhere else', async () => {
    const witness = await peer();
    for (const status of [301, 302, 307, 308]) {
      const agent = await peer((req, res) => void res.writeHead(status, { location: `http://127.0.0.1:${witness.port}${req.url ?? '/'}` }).end());
      const err = await failure(new IpaClient(`${agent.origin}/node`, TOKEN).getCleanSteps({}));
      expect(witness.seen).toEqual([]);
      expect(err).toBeInstanceOf(AgentResponseRefusedError);
      expect(err?.message).not.toContain(TOKEN);
    }
  });
});

describe('hostile agent: time', () => {
  it('gives up on an answer that trickles a byte at a time, within the request deadline', async () => {
    const agent = await peer(trickle(10)); // each byte well inside the per-chunk body timeout
    const err = await failure(new IpaClient(`${agent.origin}/node`, TOKEN, { requestTimeoutMs: 150 }).getCleanSteps({}));
    expect(err).toBeInstanceOf(AgentUnreachableError);
    expect(err?.message).toMatch(/no complete answer within/);
    expect(err?.message).not.toContain(TOKEN);
  });
});

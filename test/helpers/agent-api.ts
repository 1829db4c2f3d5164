/** An Ironic agent API on a loopback port for one test file, and a JSON caller for it. */
import type { Server } from 'node:http';
import { request } from 'undici';
import { afterAll, beforeAll } from 'vitest';
import { portOf } from '../../src/agent/http-server.js';
import type { IronicAgentApi } from '../../src/agent/ironic-api.js';

export interface ApiAnswer {
  status: number;
  text: string;
  /** The body parsed (an empty object when it is empty or not JSON). */
  json: Record<string, unknown>;
}

export type ApiCall = (method: 'GET' | 'POST', path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiAnswer>;

/** Serves `api` on 127.0.0.1 for the file's tests; `body` strings are sent as they are, others as JSON. */
export function useAgentApi(api: IronicAgentApi): ApiCall {
  let server: Server | undefined;
  let base = '';
  beforeAll(async () => {
    server = await api.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${portOf(server)}`;
  });
  afterAll(() => server?.close());
  return async (method, path, body, headers = {}) => {
    const res = await request(`${base}${path}`, {
      method,
      headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.body.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // not JSON: callers look at `text`
    }
    return { status: res.statusCode, text, json };
  };
}

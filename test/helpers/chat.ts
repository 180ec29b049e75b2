// An app wired to a MockUpstream, listening on a real port, with the official openai SDK as the client.
import OpenAI from 'openai';
import type { FastifyInstance } from 'fastify';
import { MockUpstream } from './mock-upstream.ts';
import { buildTestApp, listen } from './app.ts';

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** Fixed clock for `created`. */
export const NOW_MS = 1_700_000_000_000;

export interface ChatSetup {
  app: FastifyInstance;
  mock: MockUpstream;
  client: OpenAI;
  base: string;
  logs: string[];
}

export async function chatSetup(t: Teardown, env: Record<string, string> = {}): Promise<ChatSetup> {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app, logs } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0', ...env }, { chatCompletions: { now: () => NOW_MS } });
  const base = await listen(app);
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'sk-client-key', maxRetries: 0 });
  return { app, mock, client, base, logs };
}

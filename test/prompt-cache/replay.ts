// Replays a recorded session through the service to the caching mock upstream (prompt-cache-model.ts) and
// reports, per turn, what the mock's cache did and what the client was told. Shared by the test and by
// `npm run bench:prompt-cache`.
import { buildApp } from '../../src/app.ts';
import { configSecrets } from '../../src/config.ts';
import { createLogger } from '../../src/logging.ts';
import { messageReply, textBlock } from '../helpers/anthropic-replies.ts';
import { testConfig } from '../helpers/app.ts';
import { MockUpstream } from '../helpers/mock-upstream.ts';
import { PromptCacheModel, cachedShare, cachingHandler, type CacheUsage } from '../helpers/prompt-cache-model.ts';
import type { Session } from './session-fixture.ts';

/** Input counts as the client saw them (chat: prompt_tokens and its details; Responses: input_tokens and its details). */
export interface ClientInput {
  input: number;
  cached: number;
  written: number;
}

export interface Replay {
  /** What the mock's cache reported, per upstream request. */
  usages: CacheUsage[];
  /** What the client was told, per request. */
  client: ClientInput[];
  /** The bodies the upstream received. */
  upstreamBodies: any[];
  /** Statuses the client got. */
  statuses: number[];
  /** Share of input tokens read from the cache, from the second turn on. */
  shareFromSecondTurn: number;
}

/** The last usage object in an answer: a JSON body's, or the last one of an event stream (chat chunks, response.completed). */
function clientInputOf(text: string): ClientInput {
  const values: any[] = [];
  try {
    values.push(JSON.parse(text));
  } catch {
    for (const line of text.split('\n')) if (line.startsWith('data: ') && line !== 'data: [DONE]') values.push(JSON.parse(line.slice(6)));
  }
  const usage = values.map((value) => value?.usage ?? value?.response?.usage).filter(Boolean).at(-1);
  if (!usage) return { input: -1, cached: -1, written: -1 };
  const details = usage.prompt_tokens_details ?? usage.input_tokens_details ?? {};
  return { input: usage.prompt_tokens ?? usage.input_tokens, cached: details.cached_tokens, written: details.cache_write_tokens };
}

export async function replaySession(session: Session, env: Record<string, string>): Promise<Replay> {
  const cache = new PromptCacheModel({ minCacheableTokens: 1024 });
  const mock = await MockUpstream.start();
  mock.setHandler(cachingHandler(cache, (request, usage) => messageReply(request, { content: [textBlock('Noted.')], usage: { ...usage, output_tokens: 3 } })));
  const config = testConfig({ UPSTREAM_BASE: mock.url, MAX_RETRIES: '0', LOG_LEVEL: 'warn', ...env });
  const logger = createLogger(config, configSecrets(config), { stdout: { write: () => true }, syncFiles: true });
  const app = await buildApp(config, { logger });
  try {
    const client: ClientInput[] = [];
    const statuses: number[] = [];
    for (const request of session.requests) {
      const answer = await app.inject({ method: 'POST', url: request.path, headers: { 'content-type': 'application/json', authorization: 'Bearer sk-replay' }, payload: JSON.stringify(request.body) });
      statuses.push(answer.statusCode);
      client.push(clientInputOf(answer.body));
    }
    return { usages: cache.usages, client, upstreamBodies: mock.requests.map((request) => request.body), statuses, shareFromSecondTurn: cachedShare(cache.usages.slice(1)) };
  } finally {
    await app.close();
    await mock.close();
  }
}

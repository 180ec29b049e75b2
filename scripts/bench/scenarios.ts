// What the benchmark sends where. Each proxied scenario is compared with the direct-to-mock scenario that
// does the same upstream work: the translated chat request costs the mock what an Anthropic request costs it.
import { anthropicRequest, chatRequest } from './payloads.ts';

export type DirectId = 'direct-json' | 'direct-sse';
export type ProxiedId = 'chat-json' | 'chat-sse' | 'messages-json' | 'messages-sse';
export type ScenarioId = DirectId | ProxiedId;

export interface Scenario {
  id: ScenarioId;
  label: string;
  target: 'mock' | 'service';
  path: string;
  body: string;
  headers: Record<string, string>;
  stream: boolean;
  /** The direct scenario this one is a ratio of. */
  baseline: DirectId;
  /** Text the last body of a healthy answer contains. */
  expect: string;
}

const KEY = 'sk-bench-not-a-real-key';
const ANTHROPIC_HEADERS = { 'content-type': 'application/json', 'x-api-key': KEY, 'anthropic-version': '2023-06-01' };
const OPENAI_HEADERS = { 'content-type': 'application/json', authorization: `Bearer ${KEY}` };

export const SCENARIOS: readonly Scenario[] = [
  { id: 'direct-json', label: 'direct      /v1/messages', target: 'mock', path: '/v1/messages', body: anthropicRequest(false), headers: ANTHROPIC_HEADERS, stream: false, baseline: 'direct-json', expect: '"end_turn"' },
  { id: 'chat-json', label: 'translated  /v1/chat/completions', target: 'service', path: '/v1/chat/completions', body: chatRequest(false), headers: OPENAI_HEADERS, stream: false, baseline: 'direct-json', expect: '"chat.completion"' },
  { id: 'messages-json', label: 'passthrough /v1/messages', target: 'service', path: '/v1/messages', body: anthropicRequest(false), headers: ANTHROPIC_HEADERS, stream: false, baseline: 'direct-json', expect: '"end_turn"' },
  { id: 'direct-sse', label: 'direct      /v1/messages', target: 'mock', path: '/v1/messages', body: anthropicRequest(true), headers: ANTHROPIC_HEADERS, stream: true, baseline: 'direct-sse', expect: 'message_stop' },
  { id: 'chat-sse', label: 'translated  /v1/chat/completions', target: 'service', path: '/v1/chat/completions', body: chatRequest(true), headers: OPENAI_HEADERS, stream: true, baseline: 'direct-sse', expect: '[DONE]' },
  { id: 'messages-sse', label: 'passthrough /v1/messages', target: 'service', path: '/v1/messages', body: anthropicRequest(true), headers: ANTHROPIC_HEADERS, stream: true, baseline: 'direct-sse', expect: 'message_stop' },
];

// What the benchmark sends where. Each column is one server the same requests go through: the mock itself
// (direct: the limit of the work), three references (nginx as a byte relay: the limit of any proxy hop; a bare
// fastify + undici relay: the floor of this project's stack; the Portkey gateway: a translating peer) and this
// service's two routes. Every column costs the mock the same upstream work as the direct one: the translated
// chat request asks the mock for what the Anthropic request asks it for.
import { anthropicRequest, chatRequest, type Shape } from './payloads.ts';

export type Column = 'direct' | 'nginx' | 'bare' | 'portkey' | 'chat' | 'messages';
export type Kind = 'json' | 'sse';

export const COLUMNS: readonly Column[] = ['direct', 'nginx', 'bare', 'portkey', 'chat', 'messages'];
/** The columns of the cost-growth runs: the mock's own cost, the floor, and this service's routes. */
export const GROWTH_COLUMNS: readonly Column[] = ['direct', 'bare', 'messages', 'chat'];

export const COLUMN_LABELS: Record<Column, string> = {
  direct: 'direct to the mock',
  nginx: 'nginx relay, 1 worker',
  bare: 'bare fastify + undici relay',
  portkey: 'Portkey gateway (translating)',
  chat: 'this service, translated',
  messages: 'this service, passthrough',
};

/** The column each target is a ratio of. */
export type Reference = 'direct' | 'bare';

export interface Scenario {
  /** `<column>-<kind>`, with `-<size>` for a cost-growth shape: `chat-json`, `bare-sse-500`. */
  id: string;
  column: Column;
  kind: Kind;
  shape: Shape;
  /** `1 KB`, `500 events`; '' for the default answer. */
  size: string;
  label: string;
  path: string;
  body: string;
  headers: Record<string, string>;
  /** Text the last body of a healthy answer contains. */
  expect: string;
  /** Matches a stream's text once its first text token is there (TTFT). */
  firstToken?: RegExp;
}

const KEY = 'sk-bench-not-a-real-key';
const ANTHROPIC_HEADERS = { 'content-type': 'application/json', 'x-api-key': KEY, 'anthropic-version': '2023-06-01' };
const OPENAI_HEADERS = { 'content-type': 'application/json', authorization: `Bearer ${KEY}` };

const ANTHROPIC_FIRST_TOKEN = /"text_delta","text":"[^"]/;
const OPENAI_FIRST_TOKEN = /"content":"[^"]/;

export function sizeOf(shape: Shape): string {
  if (shape.jsonBytes !== undefined) return `${shape.jsonBytes / 1024} KB`;
  if (shape.events !== undefined) return `${shape.events} events`;
  if (shape.heldEvents !== undefined) return `${shape.heldEvents} events, held`;
  return '';
}

/** One column's request for one kind of answer; `mockPort` for Portkey, which is told the upstream per request. */
export function scenarioFor(column: Column, kind: Kind, mockPort: number, shape: Shape = {}): Scenario {
  const stream = kind === 'sse';
  const openai = column === 'chat' || column === 'portkey';
  const size = sizeOf(shape);
  const headers: Record<string, string> = openai ? { ...OPENAI_HEADERS } : { ...ANTHROPIC_HEADERS };
  if (column === 'portkey') {
    // Portkey's own way of naming the provider and an upstream of one's own (trusted: a loopback host).
    headers['x-portkey-provider'] = 'anthropic';
    headers['x-portkey-custom-host'] = `http://127.0.0.1:${mockPort}/v1`;
  }
  const suffix = shape.jsonBytes !== undefined ? `-${shape.jsonBytes / 1024}k` : shape.events !== undefined ? `-${shape.events}` : shape.heldEvents !== undefined ? `-held-${shape.heldEvents}` : '';
  return {
    id: `${column}-${kind}${suffix}`,
    column,
    kind,
    shape,
    size,
    label: COLUMN_LABELS[column],
    path: openai ? '/v1/chat/completions' : '/v1/messages',
    body: openai ? chatRequest(stream, shape) : anthropicRequest(stream, shape),
    headers,
    expect: stream ? (openai ? '[DONE]' : 'message_stop') : openai ? '"chat.completion"' : '"end_turn"',
    ...(stream ? { firstToken: openai ? OPENAI_FIRST_TOKEN : ANTHROPIC_FIRST_TOKEN } : {}),
  };
}

/** The answers of the cost-growth table: 1, 10 and 100 KB JSON; 10, 50 and 500-event streams. */
export const GROWTH_SHAPES: ReadonlyArray<{ kind: Kind; shape: Shape; x: number }> = [
  { kind: 'json', shape: { jsonBytes: 1024 }, x: 1 },
  { kind: 'json', shape: { jsonBytes: 10 * 1024 }, x: 10 },
  { kind: 'json', shape: { jsonBytes: 100 * 1024 }, x: 100 },
  { kind: 'sse', shape: { events: 10 }, x: 10 },
  { kind: 'sse', shape: { events: 50 }, x: 50 },
  { kind: 'sse', shape: { events: 500 }, x: 500 },
];

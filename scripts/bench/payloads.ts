// The requests the benchmark sends and the answers its mock upstream gives: realistic sizes (a short chat
// turn with a system prompt; a ~45-token answer, or a 50-event stream), plus larger shapes for the cost-growth
// runs (1/10/100 KB answers, 10/50/500-event streams). The shape a request asks for travels as a tag in the
// user's text, the one part of a request that every proxy under test (ours, nginx, the bare relay, Portkey)
// hands upstream unchanged, translated or not.

export const MODEL = 'glm-4.5';
const ANSWER =
  'Sure. A reverse proxy sits between clients and an upstream service: it accepts the request, applies its ' +
  'own rules for keys, headers and models, forwards it, and relays the answer back, ideally adding almost ' +
  'no latency of its own.';

/** What a request asks the mock for: a JSON answer of about `jsonBytes`, or a stream of `events` events. */
export interface Shape {
  jsonBytes?: number;
  events?: number;
  /** A stream of this many events, one every HELD_EVENT_MS (held-streams.ts): a stream that stays open. */
  heldEvents?: number;
}

/** The pace of a held stream's events, about a fast model's token rate. */
export const HELD_EVENT_MS = 20;

/** The default stream: message_start, content_block_start, 45 text deltas, content_block_stop, message_delta, message_stop. */
export const DEFAULT_EVENTS = 50;
/** Events around the text deltas of a stream. */
const FRAME_EVENTS = 5;

/** `count` text deltas, word-sized pieces of the answer (one copy of it per 45 deltas), the way a model streams. */
export function answerDeltas(count = DEFAULT_EVENTS - FRAME_EVENTS): string[] {
  const words = ANSWER.split(/(?<= )/);
  const repeats = Math.max(1, Math.round(count / (DEFAULT_EVENTS - FRAME_EVENTS)));
  const text = Array.from({ length: repeats }, () => words).flat();
  const deltas: string[] = [];
  const per = text.length / count;
  for (let i = 0; i < count; i++) deltas.push(text.slice(Math.round(i * per), Math.round((i + 1) * per)).join(''));
  return deltas;
}

const USAGE = { input_tokens: 57, output_tokens: 45, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
const MESSAGE_ID = 'msg_bench_01XFDUDYJgAACzvnptvVoYEL';

function message(text: string): Record<string, unknown> {
  return {
    id: MESSAGE_ID,
    type: 'message',
    role: 'assistant',
    model: MODEL,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: USAGE,
  };
}

/** The answer; with `jsonBytes`, its text repeated (and cut) so that the JSON body has about that size. */
export function messageBody(jsonBytes?: number): Record<string, unknown> {
  if (jsonBytes === undefined) return message(ANSWER);
  const frame = JSON.stringify(message('')).length;
  const length = Math.max(1, jsonBytes - frame);
  return message(ANSWER.repeat(Math.ceil(length / ANSWER.length)).slice(0, length));
}

/** A stream of `events` events (at least 6): the frame around `events - 5` text deltas. */
export function streamEvents(events = DEFAULT_EVENTS): Array<Record<string, unknown> & { type: string }> {
  const deltas = answerDeltas(Math.max(1, events - FRAME_EVENTS));
  return [
    {
      type: 'message_start',
      message: { id: MESSAGE_ID, type: 'message', role: 'assistant', model: MODEL, content: [], stop_reason: null, stop_sequence: null, usage: { ...USAGE, output_tokens: 1 } },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    ...deltas.map((text) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: deltas.length } },
    { type: 'message_stop' },
  ];
}

export function sseText(event: { type: string }): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/** The raw SSE text of the stream, as the mock sends it. */
export function streamText(events = DEFAULT_EVENTS): string {
  return streamEvents(events).map(sseText).join('');
}

const SYSTEM = 'You are a concise assistant for a developer tools company. Answer in plain prose, no lists.';
const QUESTION = 'In two sentences: what does a reverse proxy do, and what should it cost in latency?';

/** The tag the mock looks for (see mock-upstream.ts); no tag means the default answer. */
export function shapeTag(shape: Shape = {}): string {
  if (shape.jsonBytes !== undefined) return ` [bench-json-bytes:${shape.jsonBytes}]`;
  if (shape.events !== undefined) return ` [bench-events:${shape.events}]`;
  if (shape.heldEvents !== undefined) return ` [bench-held-events:${shape.heldEvents}]`;
  return '';
}

export function anthropicRequest(stream: boolean, shape?: Shape): string {
  return JSON.stringify({
    model: MODEL,
    max_tokens: 256,
    system: SYSTEM,
    messages: [{ role: 'user', content: QUESTION + shapeTag(shape) }],
    ...(stream ? { stream: true } : {}),
  });
}

export function chatRequest(stream: boolean, shape?: Shape): string {
  return JSON.stringify({
    model: MODEL,
    max_tokens: 256,
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: QUESTION + shapeTag(shape) },
    ],
    ...(stream ? { stream: true } : {}),
  });
}

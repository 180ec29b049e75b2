// The requests the benchmark sends and the answers its mock upstream gives: realistic sizes (a short chat
// turn with a system prompt; a ~45-token answer), built once.

export const MODEL = 'glm-4.5';
const ANSWER =
  'Sure. A reverse proxy sits between clients and an upstream service: it accepts the request, applies its ' +
  'own rules for keys, headers and models, forwards it, and relays the answer back, ideally adding almost ' +
  'no latency of its own.';

/** The answer split into 45 text deltas, the way a model streams it (word-sized pieces). */
export function answerDeltas(count = 45): string[] {
  const words = ANSWER.split(/(?<= )/);
  const deltas: string[] = [];
  const per = words.length / count;
  for (let i = 0; i < count; i++) deltas.push(words.slice(Math.round(i * per), Math.round((i + 1) * per)).join(''));
  return deltas;
}

const USAGE = { input_tokens: 57, output_tokens: 45, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
const MESSAGE_ID = 'msg_bench_01XFDUDYJgAACzvnptvVoYEL';

export function messageBody(): Record<string, unknown> {
  return {
    id: MESSAGE_ID,
    type: 'message',
    role: 'assistant',
    model: MODEL,
    content: [{ type: 'text', text: ANSWER }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: USAGE,
  };
}

/** 50 events: message_start, content_block_start, 45 text deltas, content_block_stop, message_delta, message_stop. */
export function streamEvents(): Array<Record<string, unknown> & { type: string }> {
  return [
    {
      type: 'message_start',
      message: { id: MESSAGE_ID, type: 'message', role: 'assistant', model: MODEL, content: [], stop_reason: null, stop_sequence: null, usage: { ...USAGE, output_tokens: 1 } },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    ...answerDeltas().map((text) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 45 } },
    { type: 'message_stop' },
  ];
}

/** The raw SSE text of the stream, as the mock sends it. */
export function streamText(): string {
  return streamEvents().map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('');
}

const SYSTEM = 'You are a concise assistant for a developer tools company. Answer in plain prose, no lists.';
const QUESTION = 'In two sentences: what does a reverse proxy do, and what should it cost in latency?';

export function anthropicRequest(stream: boolean): string {
  return JSON.stringify({
    model: MODEL,
    max_tokens: 256,
    system: SYSTEM,
    messages: [{ role: 'user', content: QUESTION }],
    ...(stream ? { stream: true } : {}),
  });
}

export function chatRequest(stream: boolean): string {
  return JSON.stringify({
    model: MODEL,
    max_tokens: 256,
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: QUESTION },
    ],
    ...(stream ? { stream: true } : {}),
  });
}

// The text-delta fast path (the upstream's JSON string goes out as it came, with no parse and no re-escape)
// must give what the general path gives: the same bytes for every recorded stream and for any text, the same
// content where an upstream escapes differently, and the same errors where it does not apply.
import fc from 'fast-check';
import t from 'tap';
import { DEFAULT_MAX_EVENT_BYTES } from '../../../src/stream/sse-decoder.ts';
import { ChatSseTranslator } from '../../../src/translate/openai-chat/sse-translator.ts';
import { FIXTURE_CREATED, chatStreamFixtures, parseOpenAISse } from '../../helpers/stream-fixtures.ts';

interface Run {
  text: string;
  fast: number;
}

function translate(upstream: Buffer | string, fastTextDeltas: boolean, responseFormatTool: string | null = null): Run {
  const translator = new ChatSseTranslator({
    created: FIXTURE_CREATED,
    includeUsage: true,
    responseFormatTool,
    fallbackId: 'chatcmpl-fallback',
    fallbackModel: 'fallback-model',
    fastTextDeltas,
  });
  const text = translator.push(Buffer.isBuffer(upstream) ? upstream : Buffer.from(upstream, 'utf8')) + translator.end();
  return { text, fast: translator.fastTextDeltaCount };
}

const event = (name: string, data: string) => `event: ${name}\ndata: ${data}\n\n`;

/** A whole stream whose text block carries these delta `data` lines as given. */
function streamWith(deltaData: string[]): string {
  return [
    event('message_start', JSON.stringify({ type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'glm-4.5', stop_reason: null, stop_sequence: null, usage: { input_tokens: 3, output_tokens: 1 } } })),
    event('content_block_start', JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })),
    ...deltaData.map((data) => event('content_block_delta', data)),
    event('content_block_stop', JSON.stringify({ type: 'content_block_stop', index: 0 })),
    event('message_delta', JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } })),
    event('message_stop', JSON.stringify({ type: 'message_stop' })),
  ].join('');
}

const textDelta = (text: string, index = 0) => JSON.stringify({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } });

const contentOf = (text: string) =>
  parseOpenAISse(text).items.map((chunk) => chunk.choices?.[0]?.delta?.content ?? '').join('');

t.test('every recorded stream: the same bytes with and without the fast path', async (t) => {
  for (const fixture of chatStreamFixtures()) {
    const fast = translate(fixture.upstream, true, fixture.responseFormatTool);
    const general = translate(fixture.upstream, false, fixture.responseFormatTool);
    t.equal(fast.text, general.text, fixture.name);
    t.equal(general.fast, 0, `${fixture.name}: off means off`);
    const textDeltas = (fixture.upstream.toString('utf8').match(/"type": ?"text_delta", ?"text": ?"[^"]/g) ?? []).length;
    // The fast path takes every non-empty text delta, except where text is held back for response_format.
    t.equal(fast.fast, fixture.responseFormatTool === null ? textDeltas : 0, `${fixture.name}: text deltas on the fast path`);
  }
});

t.test('the fast path is taken for the compact layout the live API sends', async (t) => {
  const run = translate(streamWith([textDelta('Hello'), textDelta(', world')]), true);
  t.equal(run.fast, 2);
  t.equal(contentOf(run.text), 'Hello, world');
});

t.test('any text: the same bytes as the general path (property)', async (t) => {
  // Any UTF-16 text, lone surrogates, control characters, quotes and backslashes included.
  const piece = fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', '\n', '\u0000', '\u2028', '\ud800', '/'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), minLength: 1, maxLength: 12 });
  fc.assert(
    fc.property(fc.array(piece, { minLength: 1, maxLength: 6 }), (pieces) => {
      const stream = streamWith(pieces.map((text) => textDelta(text)));
      const fast = translate(stream, true);
      const general = translate(stream, false);
      return fast.text === general.text && fast.fast === pieces.length && contentOf(fast.text) === pieces.join('');
    }),
    { numRuns: 300 },
  );
  t.pass('300 generated streams');
});

t.test('an upstream that escapes differently: the client reads the same text', async (t) => {
  const data = '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"\\u0041\\/b \\u00e9"}}';
  const fast = translate(streamWith([data]), true);
  const general = translate(streamWith([data]), false);
  t.equal(fast.fast, 1);
  t.equal(contentOf(fast.text), 'A/b é');
  t.equal(contentOf(fast.text), contentOf(general.text));
});

t.test('where the fast path does not apply, the general path answers as before', async (t) => {
  const cases: Array<[string, string]> = [
    ['a raw control character in the string', '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\u0001b"}}'],
    ['an unknown escape', '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\\xb"}}'],
    ['a block that is not open', textDelta('late', 3)],
    ['an empty text', textDelta('')],
    ['another key order', '{"index":0,"type":"content_block_delta","delta":{"type":"text_delta","text":"x"}}'],
    ['two spaces', '{"type":  "content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}'],
  ];
  for (const [name, data] of cases) {
    const fast = translate(streamWith([data]), true);
    const general = translate(streamWith([data]), false);
    t.equal(fast.fast, 0, `${name}: not on the fast path`);
    t.equal(fast.text, general.text, `${name}: same output`);
  }
  // And the general path does report the broken ones.
  t.match(translate(streamWith(['{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\\xb"}}']), true).text, /not JSON/);
  t.match(translate(streamWith([textDelta('late', 3)]), true).text, /content block 3, which is not open/);
});

t.test('a text delta before message_start is still a protocol error', async (t) => {
  const run = translate(event('content_block_delta', textDelta('early')), true);
  t.equal(run.fast, 0);
  t.match(run.text, /before message_start/);
});

/** The bytes of a text-delta event besides its text, as the decoder's limit counts them (not the closing blank line). */
function deltaEventOverhead(): number {
  return event('content_block_delta', textDelta('')).length - 1;
}

t.test('a text delta of any size the SSE decoder accepts: fast path, the same bytes, no error', async (t) => {
  const sizes: Array<[string, number]> = [['8 MiB', 8 * 1024 * 1024], ['the decoder limit', DEFAULT_MAX_EVENT_BYTES - deltaEventOverhead()]];
  for (const [name, size] of sizes) {
    // Escapes and multi-byte text too, so the string is not one run of a single character class; `size` is
    // the text's size as JSON in the event.
    const unit = 'a\\"é\n';
    const unitBytes = Buffer.byteLength(JSON.stringify(unit)) - 2;
    const units = Math.floor(size / unitBytes);
    const text = unit.repeat(units) + 'z'.repeat(size - units * unitBytes);
    const stream = streamWith([textDelta(text)]);
    const fast = translate(stream, true);
    t.equal(fast.fast, 1, `${name}: on the fast path`);
    t.notMatch(fast.text.slice(-300), /"error"/, `${name}: no error event`);
    t.ok(fast.text.endsWith('data: [DONE]\n\n'), `${name}: the stream completes`);
    // t.ok, not t.equal: a diff of megabytes would take minutes.
    t.ok(contentOf(fast.text) === text, `${name}: the whole text`);
    t.ok(fast.text === translate(stream, false).text, `${name}: the same bytes as the general path`);
  }
});

t.test('one byte over the decoder limit is a clean upstream error, with or without the fast path', async (t) => {
  const stream = streamWith([textDelta('a'.repeat(DEFAULT_MAX_EVENT_BYTES - deltaEventOverhead() + 1))]);
  for (const fastTextDeltas of [true, false]) {
    const items = parseOpenAISse(translate(stream, fastTextDeltas).text).items;
    t.match(items.at(-1), { error: { code: 'sse_event_too_large', type: 'server_error' } }, `fast path ${fastTextDeltas ? 'on' : 'off'}`);
  }
});

t.test('a tool input nested too deep to re-serialize ends the stream with an upstream error, not an internal one', async (t) => {
  const input = `${'{"a":'.repeat(20_000)}{}${'}'.repeat(20_000)}`;
  const start = `{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"f","input":${input}}}`;
  const head = streamWith([]).split('event: content_block_start')[0];
  const run = translate(`${head}${event('content_block_start', start)}${event('content_block_stop', JSON.stringify({ type: 'content_block_stop', index: 0 }))}`, true);
  t.match(parseOpenAISse(run.text).items.at(-1), { error: { code: 'upstream_protocol_error', message: /too deeply nested/ } });
});

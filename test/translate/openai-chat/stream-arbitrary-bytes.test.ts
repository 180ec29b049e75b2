// Properties over arbitrary input: random bytes, and random sequences of plausible Anthropic events, fed in
// random chunks to the SSE decoder and to the chat stream translator. Nothing may throw (except the decoder's
// own sse_event_too_large ProxyError), chunking must not change the result, and the client's stream is always well-formed:
// `data: <JSON>` events ending with exactly one `data: [DONE]` or one error chunk, and nothing after it.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import t from 'tap';
import { cutAt } from '../../helpers/byte-splits.ts';
import { ChatSseTranslator, type ChatSseOptions } from '../../../src/translate/openai-chat/sse-translator.ts';
import { ProxyError } from '../../../src/errors.ts';
import { SseDecoder, type SseEvent } from '../../../src/stream/sse-decoder.ts';

const RUNS = 250;

type DecodeResult = { events: SseEvent[]; error: unknown };

function decodePieces(pieces: Uint8Array[], maxEventBytes?: number): DecodeResult {
  const events: SseEvent[] = [];
  const decoder = new SseDecoder({ maxEventBytes });
  try {
    for (const piece of pieces) decoder.push(piece, (event) => events.push(event));
    decoder.end();
    return { events, error: null };
  } catch (error) {
    return { events, error };
  }
}

// Raw bytes, or bytes mixed with SSE syntax so that fields, line breaks and events really occur.
const sseToken = fc.constantFrom(
  'data: ', 'data:', 'event: ', 'id: ', 'retry: 5', ':comment', '\n', '\r', '\r\n', '\n\n', '\ufeff', '{"type":"ping"}',
  '{"type":"message_start","message":{"id":"m","model":"x"}}', '{"type":"message_stop"}', '[DONE]', 'é', '😀',
);
const mixedBytes = fc
  .array(fc.oneof(fc.uint8Array({ maxLength: 12 }), sseToken.map((token) => new Uint8Array(Buffer.from(token, 'utf8')))), { maxLength: 40 })
  .map((parts) => new Uint8Array(Buffer.concat(parts)));
const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 300 }), mixedBytes);
const cuts = fc.array(fc.nat(), { maxLength: 30 });

t.test('SseDecoder on arbitrary bytes', async (t) => {
  t.test('never throws with the default limit, and yields the same events however the bytes are cut', async (t) => {
    fc.assert(
      fc.property(anyBytes, cuts, (bytes, cutPoints) => {
        const whole = decodePieces([bytes]);
        assert.equal(whole.error, null);
        const chunked = decodePieces(cutAt(bytes, cutPoints));
        assert.equal(chunked.error, null);
        assert.deepStrictEqual(chunked.events, whole.events);
        // Every event is a plain record of strings.
        for (const event of whole.events) {
          assert.equal(typeof event.data, 'string');
          assert.ok(event.event === undefined || typeof event.event === 'string');
          assert.ok(event.id === undefined || (typeof event.id === 'string' && !event.id.includes('\0')));
        }
      }),
      { numRuns: RUNS },
    );
    t.pass(`${RUNS} random cases`);
  });

  t.test('with a tiny size limit it throws only the sse_event_too_large ProxyError; when no cut throws, events do not depend on the cuts', async (t) => {
    fc.assert(
      fc.property(anyBytes, cuts, fc.integer({ min: 1, max: 64 }), (bytes, cutPoints, max) => {
        const whole = decodePieces([bytes], max);
        const chunked = decodePieces(cutAt(bytes, cutPoints), max);
        for (const result of [whole, chunked]) {
          if (result.error !== null) {
            assert.ok(result.error instanceof ProxyError, `unexpected ${String(result.error)}`);
            assert.equal((result.error as ProxyError).code, 'sse_event_too_large');
          }
        }
        if (whole.error === null && chunked.error === null) assert.deepStrictEqual(chunked.events, whole.events);
        // Events delivered before a failure are a prefix of those of a run that did not fail.
        if (whole.error === null && chunked.error !== null) assert.deepStrictEqual(chunked.events, whole.events.slice(0, chunked.events.length));
        if (chunked.error === null && whole.error !== null) assert.deepStrictEqual(whole.events, chunked.events.slice(0, whole.events.length));
      }),
      { numRuns: RUNS },
    );
    t.pass(`${RUNS} random cases`);
  });

  t.test('after a failure every later push throws the same error', async (t) => {
    const decoder = new SseDecoder({ maxEventBytes: 4 });
    const first = (() => {
      try {
        decoder.push(Buffer.from('data: too long'), () => undefined);
      } catch (error) {
        return error;
      }
      return null;
    })();
    t.ok(first instanceof ProxyError);
    t.throws(() => decoder.push(Buffer.from('\n\n'), () => undefined), first as Error);
  });

  // A leading UTF-8 byte order mark counts toward maxEventBytes whether or not its line arrives whole.
  t.test('whether the size limit trips does not depend on the cuts', async (t) => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('data: x\n\n')]);
    const whole = decodePieces([bytes], 8);
    const chunked = decodePieces([bytes.subarray(0, 9), bytes.subarray(9)], 8);
    t.equal(chunked.error === null, whole.error === null, `whole: ${String(whole.error)}, cut after 9 bytes: ${String(chunked.error)}`);
  });

  t.test('whether the size limit trips does not depend on the cuts (any bytes, a leading BOM included)', async (t) => {
    fc.assert(
      fc.property(anyBytes, cuts, fc.integer({ min: 1, max: 64 }), (bytes, cutPoints, max) => {
        const whole = decodePieces([bytes], max);
        const chunked = decodePieces(cutAt(bytes, cutPoints), max);
        assert.equal(chunked.error === null, whole.error === null);
        assert.deepStrictEqual(chunked.events, whole.events);
      }),
      { numRuns: RUNS },
    );
    t.pass(`${RUNS} random cases`);
  });
});

/** Checks the client's SSE text strictly; returns the JSON items and how the stream ended. */
function checkOpenAIStream(text: string): { items: any[]; ending: 'done' | 'error' } {
  assert.ok(text.endsWith('\n\n'), `the output does not end with a blank line: ${JSON.stringify(text.slice(-60))}`);
  const blocks = text.slice(0, -2).split('\n\n');
  const items: any[] = [];
  let ending: 'done' | 'error' | null = null;
  for (const block of blocks) {
    assert.equal(ending, null, `an event after the end (${ending}): ${JSON.stringify(block.slice(0, 120))}`);
    assert.ok(block.startsWith('data: ') && !block.includes('\n') && !block.includes('\r'), `not one data line: ${JSON.stringify(block.slice(0, 120))}`);
    const data = block.slice('data: '.length);
    if (data === '[DONE]') {
      ending = 'done';
      continue;
    }
    const item = JSON.parse(data);
    assert.ok(item !== null && typeof item === 'object' && !Array.isArray(item), `not a JSON object: ${data.slice(0, 120)}`);
    if ('error' in item) {
      assert.ok(item.error !== null && typeof item.error === 'object', 'error is an object');
      assert.equal(typeof item.error.message, 'string');
      assert.equal(typeof item.error.type, 'string');
      ending = 'error';
    } else {
      assert.equal(item.object, 'chat.completion.chunk');
      assert.ok(Array.isArray(item.choices));
    }
    items.push(item);
  }
  assert.ok(ending !== null, `the stream ended with neither [DONE] nor an error chunk: ${JSON.stringify(text.slice(-200))}`);
  return { items, ending };
}

const translatorOptions: fc.Arbitrary<ChatSseOptions> = fc.record({
  created: fc.constant(1700000000),
  includeUsage: fc.boolean(),
  responseFormatTool: fc.constantFrom(null, 'json_tool_call'),
  legacyFunctions: fc.boolean(),
  fastTextDeltas: fc.boolean(),
  maxEventBytes: fc.constantFrom(undefined, undefined, undefined, 40, 200),
});

/** Runs a translator over the pieces; throws (failing the property) if push or end throws. */
function translate(options: ChatSseOptions, pieces: Uint8Array[]): { text: string; translator: ChatSseTranslator } {
  const translator = new ChatSseTranslator(options);
  let text = '';
  for (const piece of pieces) text += translator.push(piece);
  text += translator.end();
  return { text, translator };
}

function checkTranslation(options: ChatSseOptions, bytes: Uint8Array, cutPoints: number[]): void {
  const { text, translator } = translate(options, cutAt(bytes, cutPoints));
  assert.equal(translator.finished, true, 'finished after end()');
  const { ending } = checkOpenAIStream(text);
  assert.equal(translator.status, ending === 'done' ? 'done' : 'failed');
  // Once finished, nothing more comes out.
  assert.equal(translator.push(Buffer.from('data: {"type":"message_stop"}\n\n')), '');
  assert.equal(translator.end(), '');
  // The chunking does not change the output (with no size limit, cuts cannot change the events).
  if (options.maxEventBytes === undefined) assert.equal(translate(options, [bytes]).text, text);
}

t.test('ChatSseTranslator on arbitrary bytes: never throws, always a well-formed, terminated OpenAI stream', async (t) => {
  fc.assert(
    fc.property(translatorOptions, anyBytes, cuts, (options, bytes, cutPoints) => checkTranslation(options, bytes, cutPoints)),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} random cases`);
});

// Plausible but random Anthropic events: right names and shapes, random order, indexes and delta types.
const text = fc.string({ unit: 'binary', maxLength: 12 });
const index = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.constantFrom<unknown>(-1, 1.5, '0', null, undefined));
const usage = fc.option(fc.record({ input_tokens: fc.nat(1000), output_tokens: fc.nat(1000) }, { requiredKeys: [] }), { nil: undefined });
const stopReason = fc.constantFrom<unknown>('end_turn', 'tool_use', 'max_tokens', 'stop_sequence', 'refusal', 'pause_turn', null, 'weird', 7);
const blockType = fc.constantFrom<unknown>('text', 'thinking', 'redacted_thinking', 'tool_use', 'server_tool_use', 'web_search_tool_result', 'novel', undefined);
const deltaType = fc.constantFrom<unknown>('text_delta', 'thinking_delta', 'signature_delta', 'input_json_delta', 'citations_delta', 'novel_delta', undefined);

const anthropicEvent: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({
    type: fc.constant('message_start'),
    message: fc.record(
      { id: fc.option(fc.constantFrom('msg_1', ''), { nil: undefined }), model: fc.option(fc.constantFrom('glm-4.6', ''), { nil: undefined }), usage, stop_reason: stopReason },
      { requiredKeys: [] },
    ),
  }),
  fc.record({
    type: fc.constant('content_block_start'),
    index,
    content_block: fc.record(
      { type: blockType, text, thinking: text, signature: text, data: text, id: fc.constantFrom('toolu_1', 'toolu_2'), name: fc.constantFrom('json_tool_call', 'get_weather'), input: fc.constantFrom<unknown>({}, { city: 'Paris' }, null) },
      { requiredKeys: ['type'] },
    ),
  }),
  // The common case in the exact layout the fast path recognises.
  fc.record({ type: fc.constant('content_block_delta'), index: fc.integer({ min: 0, max: 3 }), delta: fc.record({ type: fc.constant('text_delta'), text }) }),
  fc.record({
    type: fc.constant('content_block_delta'),
    index,
    delta: fc.record({ type: deltaType, text, thinking: text, signature: text, partial_json: fc.oneof(text, fc.constantFrom('{"a":', '1}', '')) }, { requiredKeys: ['type'] }),
  }),
  fc.record({ type: fc.constant('content_block_stop'), index }),
  fc.record({ type: fc.constant('message_delta'), delta: fc.record({ stop_reason: stopReason, stop_sequence: fc.constant(null) }), usage }),
  fc.record({ type: fc.constant('message_stop') }),
  fc.record({ type: fc.constant('ping') }),
  fc.record({ type: fc.constant('error'), error: fc.record({ type: fc.constantFrom<unknown>('overloaded_error', 'api_error', 'rate_limit_error', 'novel_error', 3), message: fc.oneof(text, fc.constant('')) }, { requiredKeys: [] }) }),
);

/** A likely-valid opening, so that many sequences get past message_start and into the block logic. */
const opening = fc.constantFrom<Record<string, unknown>[]>(
  [],
  [{ type: 'message_start', message: { id: 'msg_1', model: 'glm-4.6', usage: { input_tokens: 3, output_tokens: 1 } } }],
  [
    { type: 'message_start', message: { id: 'msg_1', model: 'glm-4.6' } },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  ],
  [
    { type: 'message_start', message: { id: 'msg_1', model: 'glm-4.6' } },
    { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_1', name: 'json_tool_call', input: {} } },
  ],
);

/** A well-formed body: blocks opened, filled and closed in order, then message_delta. */
const validBody: fc.Arbitrary<Record<string, unknown>[]> = fc
  .array(fc.tuple(fc.constantFrom('text', 'thinking', 'tool_use', 'server_tool_use'), fc.array(text, { maxLength: 3 })), { maxLength: 3 })
  .map((blocks) => {
    const events: Record<string, unknown>[] = [{ type: 'message_start', message: { id: 'msg_v', model: 'glm-4.6', usage: { input_tokens: 1, output_tokens: 1 } } }];
    blocks.forEach(([type, parts], i) => {
      events.push({ type: 'content_block_start', index: i, content_block: type === 'text' ? { type, text: '' } : type === 'thinking' ? { type, thinking: '' } : { type, id: `toolu_${i}`, name: i === 0 ? 'json_tool_call' : 'f', input: {} } });
      for (const part of parts) {
        const delta = type === 'text' ? { type: 'text_delta', text: part } : type === 'thinking' ? { type: 'thinking_delta', thinking: part } : { type: 'input_json_delta', partial_json: part };
        events.push({ type: 'content_block_delta', index: i, delta });
      }
      events.push({ type: 'content_block_stop', index: i });
    });
    events.push({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 2 } });
    return events;
  });

/** Random events; a valid body; or a valid body with one random event spliced in. */
const eventSequence: fc.Arbitrary<Record<string, unknown>[]> = fc.oneof(
  fc.tuple(opening, fc.array(anthropicEvent, { maxLength: 14 })).map(([head, events]) => [...head, ...events]),
  validBody,
  fc.tuple(validBody, anthropicEvent, fc.nat()).map(([body, extra, at]) => [...body.slice(0, at % (body.length + 1)), extra, ...body.slice(at % (body.length + 1))]),
);

interface Encoding {
  eol: string;
  named: boolean;
}
const encoding = fc.record({ eol: fc.constantFrom('\n', '\r\n', '\r'), named: fc.boolean() });

function encodeEvents(events: Record<string, unknown>[], { eol, named }: Encoding): Uint8Array {
  let out = '';
  for (const event of events) {
    if (named) out += `event: ${String(event.type)}${eol}`;
    out += `data: ${JSON.stringify(event)}${eol}${eol}`;
  }
  return new Uint8Array(Buffer.from(out, 'utf8'));
}

t.test('ChatSseTranslator on random Anthropic event sequences: never throws, always a well-formed, terminated OpenAI stream', async (t) => {
  let done = 0;
  fc.assert(
    fc.property(translatorOptions, eventSequence, fc.boolean(), encoding, cuts, (options, events, stop, enc, cutPoints) => {
      // Half the sequences end with message_stop, so that both endings are exercised.
      const all = [...events, ...(stop ? [{ type: 'message_stop' }] : [])];
      const bytes = encodeEvents(all, enc);
      checkTranslation(options, bytes, cutPoints);
      if (translate(options, [bytes]).translator.status === 'done') done++;
    }),
    { numRuns: 300 },
  );
  t.ok(done > 30, `many sequences complete normally (${done} of 300)`);
});

t.test('random Anthropic event sequences: the text-delta fast path gives the same chunks as the general path', async (t) => {
  fc.assert(
    fc.property(translatorOptions, eventSequence, encoding, cuts, (options, events, enc, cutPoints) => {
      const bytes = encodeEvents([...events, { type: 'message_stop' }], enc);
      const pieces = cutAt(bytes, cutPoints);
      const fast = translate({ ...options, fastTextDeltas: true }, pieces).text;
      const general = translate({ ...options, fastTextDeltas: false }, pieces).text;
      assert.deepStrictEqual(checkOpenAIStream(fast), checkOpenAIStream(general));
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} random cases`);
});

// An index with leading zeros ("index":00) is not JSON: the fast path must leave it to the general path.
t.test('the fast path rejects what the general path rejects', async (t) => {
  const bytes = Buffer.from(
    'data: {"type":"message_start","message":{}}\n\n' +
      'data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n' +
      'data: {"type":"content_block_delta","index":00,"delta":{"type":"text_delta","text":"hi"}}\n\n',
  );
  const base = { created: 1, includeUsage: false, responseFormatTool: null };
  t.equal(translate({ ...base, fastTextDeltas: true }, [bytes]).text, translate({ ...base, fastTextDeltas: false }, [bytes]).text);
});

// Properties over arbitrary input to the Responses stream translator: random bytes and random sequences of
// plausible Anthropic events, cut at random points. It never throws, the output does not depend on the cuts,
// and it is always a well-formed Responses stream: `event:`/`data:` pairs with sequence numbers 0, 1, 2, ...,
// created and in_progress first, exactly one terminal event last (completed, incomplete or failed).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import t from 'tap';
import { cutAt } from '../../helpers/byte-splits.ts';
import { ResponsesSseTranslator } from '../../../src/translate/openai-responses/sse-translator.ts';
import { fixtureOptions, parseResponsesSse } from '../../helpers/responses-fixtures.ts';

const RUNS = 200;

const options = fc.record({ responseFormatTool: fc.constantFrom<string | null>(null, 'json_tool_call'), customTools: fc.constantFrom<string[]>([], ['apply_patch']) });

function run(fixture: { responseFormatTool: string | null; customTools: string[] }, pieces: Uint8Array[]): string {
  const translator = new ResponsesSseTranslator(fixtureOptions(fixture));
  let text = '';
  for (const piece of pieces) text += translator.push(piece);
  text += translator.end();
  assert.equal(translator.finished, true);
  assert.equal(translator.push(Buffer.from('data: {"type":"message_stop"}\n\n')), '', 'nothing after the end');
  return text;
}

function check(text: string): string {
  const events = parseResponsesSse(text);
  assert.deepEqual(events.map((event) => event.sequence_number), events.map((_, i) => i));
  assert.equal(events[0].type, 'response.created');
  assert.equal(events[1].type, 'response.in_progress');
  const terminal = events.filter((event) => /^response\.(completed|incomplete|failed)$/.test(event.type));
  assert.equal(terminal.length, 1);
  assert.equal(terminal[0], events.at(-1));
  return events.at(-1).type;
}

const text = fc.string({ unit: 'binary', maxLength: 10 });
const index = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom<unknown>(-1, '0', null));
const anthropicEvent: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ type: fc.constant('message_start'), message: fc.record({ id: fc.constant('msg_1'), model: fc.constantFrom('glm-4.6', ''), usage: fc.constant({ input_tokens: 3 }) }, { requiredKeys: [] }) }),
  fc.record({
    type: fc.constant('content_block_start'),
    index,
    content_block: fc.record({
      type: fc.constantFrom<unknown>('text', 'thinking', 'redacted_thinking', 'tool_use', 'server_tool_use', 'novel'),
      text, thinking: text, signature: text, data: text,
      id: fc.constantFrom('toolu_1', ''), name: fc.constantFrom('json_tool_call', 'apply_patch', 'get_weather'), input: fc.constantFrom<unknown>({}, { input: 'raw' }, null),
    }, { requiredKeys: ['type'] }),
  }),
  fc.record({
    type: fc.constant('content_block_delta'),
    index,
    delta: fc.record({ type: fc.constantFrom<unknown>('text_delta', 'thinking_delta', 'signature_delta', 'input_json_delta', 'citations_delta'), text, thinking: text, signature: text, partial_json: fc.oneof(text, fc.constantFrom('{"input":"a', '"}', '{"city":"Oslo"}')) }, { requiredKeys: ['type'] }),
  }),
  fc.record({ type: fc.constant('content_block_stop'), index }),
  fc.record({ type: fc.constant('message_delta'), delta: fc.record({ stop_reason: fc.constantFrom<unknown>('end_turn', 'tool_use', 'max_tokens', 'refusal', null, 9) }), usage: fc.constant({ output_tokens: 2 }) }),
  fc.record({ type: fc.constant('message_stop') }),
  fc.record({ type: fc.constant('ping') }),
  fc.record({ type: fc.constant('error'), error: fc.record({ type: fc.constantFrom<unknown>('overloaded_error', 4), message: text }, { requiredKeys: [] }) }),
);
const start = { type: 'message_start', message: { id: 'msg_1', model: 'glm-4.6' } };
const sequence = fc.tuple(fc.boolean(), fc.array(anthropicEvent, { maxLength: 16 }), fc.boolean()).map(([open, events, stop]) => [...(open ? [start] : []), ...events, ...(stop ? [{ type: 'message_stop' }] : [])]);
const cuts = fc.array(fc.nat(), { maxLength: 20 });

t.test('random Anthropic event sequences: a well-formed, terminated Responses stream, whatever the cuts', async (t) => {
  const endings = new Set<string>();
  fc.assert(
    fc.property(options, sequence, fc.constantFrom('\n', '\r\n'), cuts, (fixture, events, eol, cutPoints) => {
      const bytes = new Uint8Array(Buffer.from(events.map((event) => `event: ${String(event.type)}${eol}data: ${JSON.stringify(event)}${eol}${eol}`).join('')));
      const whole = run(fixture, [bytes]);
      endings.add(check(whole));
      assert.equal(run(fixture, cutAt(bytes, cutPoints)), whole);
    }),
    { numRuns: RUNS },
  );
  t.ok(endings.has('response.completed') && endings.has('response.failed'), `both endings occur (${[...endings].join(', ')})`);
});

t.test('random bytes: never throws, always terminated', async (t) => {
  fc.assert(
    fc.property(options, fc.uint8Array({ maxLength: 200 }), cuts, (fixture, bytes, cutPoints) => {
      const whole = run(fixture, [bytes]);
      check(whole);
      assert.equal(run(fixture, cutAt(bytes, cutPoints)), whole);
    }),
    { numRuns: RUNS },
  );
  t.pass(`${RUNS} random cases`);
});

// Every recorded Anthropic stream, through decoder + Responses state machine + encoder, gives exactly its
// expected event sequence, however the upstream bytes are split; and every sequence keeps the rules the
// Responses streaming events follow (sequence numbers, items added before their events and done before the
// end, the final response carrying every item that was done).
import t, { type Test } from 'tap';
import { ResponsesSseTranslator } from '../../../src/translate/openai-responses/sse-translator.ts';
import { checkEverySplit } from '../../helpers/byte-splits.ts';
import { fixtureOptions, parseResponsesSse, responsesStreamFixtures, type ResponsesStreamFixture } from '../../helpers/responses-fixtures.ts';

function replay(fixture: ResponsesStreamFixture, pieces: Buffer[]): string {
  const pipeline = new ResponsesSseTranslator(fixtureOptions(fixture));
  let out = '';
  for (const piece of pieces) out += pipeline.push(piece);
  return out + pipeline.end();
}

const fixtures = responsesStreamFixtures();

t.test('the fixture set covers every scenario', async (t) => {
  t.same(fixtures.map((fixture) => fixture.name), [
    'custom-tool', 'error', 'json-format', 'max-tokens', 'parallel-tools', 'redacted-thinking', 'server-tool', 'text', 'thinking', 'tool', 'truncated', 'zai-usage',
  ]);
});

/** The invariants of a Responses event stream, checked on every fixture's expected and actual sequence. */
function checkSequence(t: Test, events: any[]): void {
  t.same(events.map((event) => event.sequence_number), events.map((_, i) => i), 'sequence numbers 0, 1, 2, ...');
  t.equal(events[0].type, 'response.created');
  t.equal(events[1].type, 'response.in_progress');
  const last = events.at(-1);
  t.ok(['response.completed', 'response.incomplete', 'response.failed'].includes(last.type), 'ends with a terminal event');
  t.equal(events.filter((event) => /^response\.(completed|incomplete|failed)$/.test(event.type)).length, 1, 'exactly one terminal event');
  const added = new Map<number, any>();
  const done = new Map<number, any>();
  for (const event of events.slice(2, -1)) {
    if (event.type === 'response.output_item.added') {
      t.equal(event.output_index, added.size, 'items are added in output order');
      added.set(event.output_index, event.item);
      continue;
    }
    t.ok(added.has(event.output_index), `${event.type} refers to an added item`);
    t.notOk(done.has(event.output_index), `${event.type} comes before its item is done`);
    if (event.item_id !== undefined) t.equal(event.item_id, added.get(event.output_index).id, 'item_id matches the item');
    if (event.type === 'response.output_item.done') {
      t.equal(event.item.id, added.get(event.output_index).id, 'the done item is the added one');
      done.set(event.output_index, event.item);
    }
  }
  const response = last.response;
  if (last.type !== 'response.failed') {
    t.equal(done.size, added.size, 'every added item is done before the end');
    t.same(response.output, [...done.values()], 'the final response carries exactly the done items');
    t.ok(response.usage, 'usage on the final response');
  } else {
    t.ok(response.error?.code && response.error?.message, 'a failed response says why');
  }
  t.equal(response.status, last.type.slice('response.'.length));
}

for (const fixture of fixtures) {
  t.test(`${fixture.name}: the whole event sequence`, async (t) => {
    const events = parseResponsesSse(replay(fixture, [fixture.upstream]));
    t.strictSame(events, fixture.events);
    t.equal(events.at(-1).type, fixture.end);
    checkSequence(t, events);
  });

  t.test(`${fixture.name}: split at every byte boundary, and byte by byte`, async (t) => {
    checkEverySplit(t, fixture.upstream, (pieces) => replay(fixture, pieces));
  });

  t.test(`${fixture.name}: CRLF line endings give the same output`, async (t) => {
    const text = fixture.upstream.toString('utf8');
    t.equal(replay(fixture, [Buffer.from(text.replaceAll('\n', '\r\n'))]), replay(fixture, [fixture.upstream]));
  });
}

t.test('after the end nothing more is written', async (t) => {
  const fixture = fixtures.find((f) => f.name === 'text')!;
  const pipeline = new ResponsesSseTranslator(fixtureOptions(fixture));
  pipeline.push(fixture.upstream);
  t.ok(pipeline.finished);
  t.equal(pipeline.push(Buffer.from('event: message_stop\ndata: {"type":"message_stop"}\n\n')), '');
  t.equal(pipeline.end(), '');
});

// The passthrough's stream transform as a pure object: bytes out exactly as they came in, cut anywhere; a
// final Anthropic error event only when the stream did not end properly; usage from start and end.
import t from 'tap';
import { ProxyError } from '../../../src/errors.ts';
import { AnthropicRelay } from '../../../src/translate/anthropic/relay.ts';
import { decodeSse } from '../../../src/stream/sse-decoder.ts';
import { sseText, textStreamEvents } from '../../helpers/mock-upstream.ts';

const complete = Buffer.from(sseText(textStreamEvents(['Hello', ' wörld 😀'], { usage: { input_tokens: 21, output_tokens: 1, cache_read_input_tokens: 5 } })));

/** Feeds `bytes` cut at `cuts`, then ends; returns everything written and the relay. */
function relay(bytes: Buffer, cuts: number[] = []): { out: Buffer; relay: AnthropicRelay } {
  const transform = new AnthropicRelay();
  const pieces: Buffer[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    const out = transform.push(bytes.subarray(start, cut));
    pieces.push(Buffer.isBuffer(out) ? out : Buffer.from(out));
    start = cut;
  }
  pieces.push(Buffer.from(transform.end()));
  return { out: Buffer.concat(pieces), relay: transform };
}

const lastEvent = (bytes: Buffer) => decodeSse(bytes).at(-1)!;

t.test('a complete stream goes out byte for byte, at every cut, with nothing added', async (t) => {
  const stop = complete.indexOf('message_stop');
  for (const cuts of [[], [1], [stop + 3], [stop - 1, stop + 5], [complete.length - 1], Array.from({ length: 40 }, (_, i) => i * 13)]) {
    const { out, relay: transform } = relay(complete, cuts);
    t.ok(out.equals(complete), `cuts ${cuts.slice(0, 3).join(',')}`);
    t.equal(transform.failure, null);
    t.equal(transform.finished, true);
  }
});

t.test('the chunk itself is handed back: no copy on the way through', async (t) => {
  const transform = new AnthropicRelay();
  const chunk = complete.subarray(0, 100);
  t.equal(transform.push(chunk), chunk);
});

t.test('a stream that ends without message_stop gets one final error event, at an event boundary', async (t) => {
  const events = textStreamEvents(['partial']);
  const cutAtEvent = Buffer.from(sseText(events.slice(0, 4)));
  const { out, relay: transform } = relay(cutAtEvent);
  t.ok(out.subarray(0, cutAtEvent.length).equals(cutAtEvent));
  t.strictSame(JSON.parse(lastEvent(out).data), { type: 'error', error: { type: 'api_error', message: 'The upstream closed the stream before message_stop: the answer is incomplete' } });
  t.equal(lastEvent(out).event, 'error');
  t.match(transform.failure, { code: 'upstream_stream_truncated' });

  const midEvent = cutAtEvent.subarray(0, cutAtEvent.length - 7);
  const cut = relay(midEvent).out;
  t.equal(cut.subarray(midEvent.length, midEvent.length + 2).toString(), '\n\n', 'a blank line ends the cut event first');
  t.equal(lastEvent(cut).event, 'error');
});

t.test("the upstream's own error event ends the stream: nothing is added, its type is the failure", async (t) => {
  const events = [...textStreamEvents(['so far']).slice(0, 4), { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }];
  const bytes = Buffer.from(sseText(events));
  for (const cuts of [[], [bytes.indexOf('event: error') + 3]]) {
    const { out, relay: transform } = relay(bytes, cuts);
    t.ok(out.equals(bytes), 'relayed as it was, no second error event');
    t.strictSame(transform.failure, { code: 'overloaded_error', message: 'Overloaded' });
  }
});

t.test('text that mentions an error event is not one', async (t) => {
  const events = textStreamEvents(['event: error is just text here']).slice(0, 5);
  const { out, relay: transform } = relay(Buffer.from(sseText(events)));
  t.equal(lastEvent(out).event, 'error', 'still truncated, so still an error event at the end');
  t.match(transform.failure, { code: 'upstream_stream_truncated' });
});

t.test('fail() ends with an error event in the Anthropic shape of the error; then nothing more', async (t) => {
  const transform = new AnthropicRelay();
  transform.push(complete.subarray(0, 50));
  const event = transform.fail(new ProxyError('shutting_down', 'The proxy is shutting down'));
  t.match(String(event), /^\n\nevent: error\ndata: \{"type":"error","error":\{"type":"overloaded_error","message":"The proxy is shutting down"\}\}\n\n$/);
  t.equal(transform.finished, true);
  t.equal(transform.push(complete.subarray(50)), '');
  t.equal(transform.end(), '');
  t.equal(transform.fail(new ProxyError('internal_error', 'x')), '');
  t.match(transform.failure, { code: 'shutting_down' });
});

t.test('usage: message_start merged with the last usage in the stream', async (t) => {
  t.strictSame(relay(complete, [30, 300]).relay.usage, { input_tokens: 21, output_tokens: 2, cache_read_input_tokens: 5, cache_creation_input_tokens: 0 });
  t.equal(new AnthropicRelay().usage, null);
});

// The SSE encoders: one unnamed data line per event, [DONE] at the end; the chunk fast path is exact.
import t from 'tap';
import { ChatChunkEncoder, SSE_DONE, encodeSseData } from '../../src/stream/sse-encoder.ts';
import { decodeSse } from '../../src/stream/sse-decoder.ts';
import { chatStreamFixtures, withoutUsage } from '../helpers/stream-fixtures.ts';

t.test('a value becomes exactly one data line and a blank line', async (t) => {
  const value = { content: 'line one\nline two\r\n\u2028 end', n: 1 };
  const text = encodeSseData(value);
  t.equal(text, `data: ${JSON.stringify(value)}\n\n`);
  t.equal(text.split('\n').length, 3, 'line breaks inside the payload are escaped');
  t.notMatch(text, /^event:/m);
  t.strictSame(decodeSse(Buffer.from(text)).map((event) => JSON.parse(event.data)), [value]);
});

t.test('the completion sentinel', async (t) => {
  t.equal(SSE_DONE, 'data: [DONE]\n\n');
});

t.test('the chunk encoder gives exactly JSON.stringify for every chunk of every fixture, with and without usage', async (t) => {
  const encoder = new ChatChunkEncoder();
  let compared = 0;
  for (const fixture of chatStreamFixtures()) {
    for (const chunks of [fixture.chunks, withoutUsage(fixture.chunks)]) {
      for (const chunk of chunks) {
        t.equal(encoder.encode(chunk), encodeSseData(chunk));
        compared++;
      }
    }
  }
  t.ok(compared > 100);
});

t.test('the chunk encoder notices a new id, model or created', async (t) => {
  const encoder = new ChatChunkEncoder();
  const chunk = { id: 'a', object: 'chat.completion.chunk', created: 1, model: 'm', system_fingerprint: null, choices: [{ index: 0, delta: { content: 'x' }, logprobs: null, finish_reason: null }] };
  for (const variant of [chunk, { ...chunk, id: 'b' }, { ...chunk, model: 'n"q' }, { ...chunk, created: 2 }, { ...chunk, choices: [{ ...chunk.choices[0], finish_reason: 'stop' }] }]) {
    t.equal(encoder.encode(variant), encodeSseData(variant));
  }
  const error = { error: { message: 'x', type: 'server_error', param: null, code: null } };
  t.equal(encoder.encode(error), encodeSseData(error));
});

// The SSE encoder: one unnamed data line per event, [DONE] at the end.
import t from 'tap';
import { SSE_DONE, encodeSseData } from '../src/stream/sse-encoder.ts';
import { decodeSse } from '../src/stream/sse-decoder.ts';

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

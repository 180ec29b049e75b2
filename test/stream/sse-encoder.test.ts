// The generic SSE encoder: one data line per event (named or not), line breaks escaped.
import t from 'tap';
import { encodeSseData, encodeSseEvent } from '../../src/stream/sse-encoder.ts';
import { decodeSse } from '../../src/stream/sse-decoder.ts';

t.test('a value becomes exactly one data line and a blank line', async (t) => {
  const value = { content: 'line one\nline two\r\n\u2028 end', n: 1 };
  const text = encodeSseData(value);
  t.equal(text, `data: ${JSON.stringify(value)}\n\n`);
  t.equal(text.split('\n').length, 3, 'line breaks inside the payload are escaped');
  t.notMatch(text, /^event:/m);
  t.strictSame(decodeSse(Buffer.from(text)).map((event) => JSON.parse(event.data)), [value]);
});

t.test('a named event carries its name and one data line', async (t) => {
  const value = { type: 'error', error: { type: 'api_error', message: 'a\nb' } };
  const text = encodeSseEvent('error', value);
  t.equal(text, `event: error\ndata: ${JSON.stringify(value)}\n\n`);
  t.strictSame(decodeSse(Buffer.from(text)), [{ event: 'error', data: JSON.stringify(value), id: undefined }]);
});

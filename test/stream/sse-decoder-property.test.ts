// Property: however a byte stream is cut into chunks, the decoder yields the same events, and they are the
// events that were encoded.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import t from 'tap';
import { SseDecoder, type SseEvent } from '../../src/stream/sse-decoder.ts';

interface Spec {
  event: string | undefined;
  lines: string[];
  id: string | undefined;
  comment: string | undefined;
}

// Field values: any Unicode text without line breaks (a value cannot contain CR or LF) or NUL.
const value = fc.string({ unit: 'binary', maxLength: 30 }).map((text) => text.replace(/[\r\n\0]/g, '_'));
const spec: fc.Arbitrary<Spec> = fc.record({
  event: fc.option(value, { nil: undefined }),
  lines: fc.array(value, { minLength: 1, maxLength: 3 }),
  id: fc.option(value, { nil: undefined }),
  comment: fc.option(value, { nil: undefined }),
});
const lineEnding = fc.constantFrom('\n', '\r\n', '\r');

function encode(specs: Spec[], eol: string): Buffer {
  let text = '';
  for (const s of specs) {
    if (s.comment !== undefined) text += `:${s.comment}${eol}`;
    if (s.event !== undefined) text += `event: ${s.event}${eol}`;
    if (s.id !== undefined) text += `id: ${s.id}${eol}`;
    for (const line of s.lines) text += `data: ${line}${eol}`;
    text += eol;
  }
  return Buffer.from(text, 'utf8');
}

function decodeChunks(bytes: Buffer, cuts: number[]): SseEvent[] {
  const events: SseEvent[] = [];
  const decoder = new SseDecoder();
  let from = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b).concat(bytes.length)) {
    decoder.push(bytes.subarray(from, cut), (event) => events.push(event));
    from = cut;
  }
  decoder.end();
  return events;
}

t.test('arbitrary chunking gives identical events', async (t) => {
  fc.assert(
    fc.property(fc.array(spec, { maxLength: 8 }), lineEnding, fc.array(fc.nat(), { maxLength: 40 }), (specs, eol, cuts) => {
      const bytes = encode(specs, eol);
      const expected: SseEvent[] = specs.map((s) => ({
        // An empty `event:` value is an empty event name, kept as given.
        event: s.event,
        data: s.lines.join('\n'),
        id: s.id,
      }));
      // assert throws, so fast-check sees a failure and shrinks it to a minimal case.
      const whole = decodeChunks(bytes, []);
      assert.deepStrictEqual(whole, expected);
      assert.deepStrictEqual(decodeChunks(bytes, cuts), whole);
    }),
    { numRuns: 500 },
  );
  t.pass('500 random streams and chunkings');
});

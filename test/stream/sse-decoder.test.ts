// The SSE decoder alone: the WHATWG parsing rules, any chunk boundary, and the per-event size limit.
import t from 'tap';
import { ProxyError } from '../../src/errors.ts';
import { SseDecoder, decodeSse, type SseEvent } from '../../src/stream/sse-decoder.ts';

const utf8 = (text: string) => Buffer.from(text, 'utf8');
const ev = (data: string, event?: string, id?: string): SseEvent => ({ event, data, id });

function decodePieces(pieces: (string | Uint8Array)[], decoder = new SseDecoder()): SseEvent[] {
  const events: SseEvent[] = [];
  for (const piece of pieces) decoder.push(typeof piece === 'string' ? utf8(piece) : piece, (event) => events.push(event));
  decoder.end();
  return events;
}

t.test('event, data and id fields; one optional space after the colon', async (t) => {
  t.strictSame(decodeSse(utf8('event: message_start\ndata: {"a":1}\nid: 7\n\n')), [ev('{"a":1}', 'message_start', '7')]);
  t.strictSame(decodeSse(utf8('data:no-space\n\ndata:  two spaces\n\n')), [ev('no-space'), ev(' two spaces')]);
  t.strictSame(decodeSse(utf8('data\n\n')), [ev('')], 'a field name alone has an empty value');
  t.strictSame(decodeSse(utf8('data: a:b:c\n\n')), [ev('a:b:c')], 'only the first colon separates');
});

t.test('several data lines join with a line feed', async (t) => {
  t.strictSame(decodeSse(utf8('data: one\ndata:\ndata: three\n\n')), [ev('one\n\nthree')]);
});

t.test('comments, unknown fields, retry and events without data dispatch nothing', async (t) => {
  t.strictSame(decodeSse(utf8(': keep-alive\n\nretry: 100\n\nevent: ping\n\nfoo: bar\nx\n\n: note\ndata: kept\n: more\n\n')), [ev('kept')]);
});

t.test('event name and id do not leak into the next event', async (t) => {
  t.strictSame(decodeSse(utf8('event: a\nid: 1\ndata: x\n\ndata: y\n\n')), [ev('x', 'a', '1'), ev('y')]);
});

t.test('an id containing NUL is ignored', async (t) => {
  t.strictSame(decodeSse(utf8('id: a\0b\ndata: x\n\n')), [ev('x')]);
});

t.test('LF, CRLF, CR and mixed line endings', async (t) => {
  const expected = [ev('1', 'a'), ev('2', 'b')];
  t.strictSame(decodeSse(utf8('event: a\ndata: 1\n\nevent: b\ndata: 2\n\n')), expected);
  t.strictSame(decodeSse(utf8('event: a\r\ndata: 1\r\n\r\nevent: b\r\ndata: 2\r\n\r\n')), expected);
  t.strictSame(decodeSse(utf8('event: a\rdata: 1\r\revent: b\rdata: 2\r\r')), expected);
  t.strictSame(decodeSse(utf8('event: a\r\ndata: 1\n\revent: b\rdata: 2\r\n\n')), expected);
});

t.test('a CRLF split between chunks is one line break, not two', async (t) => {
  t.strictSame(decodePieces(['data: a\r', '\ndata: b\r\n\r', '\n']), [ev('a\nb')]);
  t.strictSame(decodePieces(['data: a\r', '', '\ndata: b\r\n\r\n']), [ev('a\nb')], 'an empty chunk in between changes nothing');
  t.strictSame(decodePieces(['data: a\r', '\r']), [ev('a')], 'CR then CR is a blank line');
});

t.test('a chunk boundary inside a multi-byte character', async (t) => {
  const bytes = utf8('data: 🌤️ Tōkyō ×\n\n');
  for (let cut = 1; cut < bytes.length; cut++) {
    t.strictSame(decodePieces([bytes.subarray(0, cut), bytes.subarray(cut)]), [ev('🌤️ Tōkyō ×')], `cut at ${cut}`);
  }
});

t.test('a long line spread over many chunks', async (t) => {
  const value = 'x'.repeat(5000);
  const bytes = utf8(`data: ${value}\n\n`);
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += 7) pieces.push(bytes.subarray(i, i + 7));
  t.strictSame(decodePieces(pieces), [ev(value)]);
});

t.test('plain Uint8Array chunks (not Buffers) work', async (t) => {
  const bytes = new TextEncoder().encode('data: ok\n\n');
  t.strictSame(decodePieces([bytes.subarray(0, 3), bytes.subarray(3)]), [ev('ok')]);
});

t.test('a byte order mark before the first line is skipped, even split across chunks', async (t) => {
  const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8('data: x\n\n')]);
  t.strictSame(decodeSse(bytes), [ev('x')]);
  t.strictSame(decodePieces([bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2)]), [ev('x')]);
  t.strictSame(decodeSse(utf8('data: x\n\n\ufeffdata: y\n\n')), [ev('x')], 'only at the start of the stream');
});

t.test('end() discards an event without its blank line: nothing of it survives into what follows', async (t) => {
  const decoder = new SseDecoder();
  const events: SseEvent[] = [];
  decoder.push(utf8('data: done\n\ndata: cut'), (event) => events.push(event));
  decoder.end();
  t.strictSame(events, [ev('done')]);
  decoder.push(utf8('\n\ndata: next\n\n'), (event) => events.push(event));
  t.strictSame(events, [ev('done'), ev('next')], 'the cut line is gone, not completed by the next bytes');
  const halfEvent = new SseDecoder();
  const half: SseEvent[] = [];
  halfEvent.push(utf8('event: e\ndata: x\n'), (event) => half.push(event));
  halfEvent.end();
  halfEvent.push(utf8('\n'), (event) => half.push(event));
  t.strictSame(half, [], 'a complete line without the blank line is still incomplete, and dropped');
});

t.test('an event larger than maxEventBytes fails clearly, and keeps failing', async (t) => {
  const decoder = new SseDecoder({ maxEventBytes: 64 });
  const events: SseEvent[] = [];
  decoder.push(utf8(`data: ${'a'.repeat(50)}\n\n`), (event) => events.push(event));
  t.equal(events.length, 1, 'an event under the limit passes');
  t.throws(() => decoder.push(utf8(`data: ${'b'.repeat(40)}\ndata: ${'c'.repeat(40)}\n`), () => {}), { name: 'ProxyError', code: 'sse_event_too_large', statusCode: 502, message: /larger than 64 bytes/ });
  t.throws(() => decoder.push(utf8('data: small\n\n'), () => {}), ProxyError, 'later pushes fail too');
});

t.test('a line that never ends fails once it passes the limit, before it is complete', async (t) => {
  const decoder = new SseDecoder({ maxEventBytes: 1024 });
  let thrown: unknown = null;
  let pushed = 0;
  try {
    for (; pushed < 100; pushed++) decoder.push(utf8('z'.repeat(100)), () => {});
  } catch (error) {
    thrown = error;
  }
  t.type(thrown, ProxyError);
  t.equal((thrown as ProxyError).code, 'sse_event_too_large');
  t.equal(pushed, 10, 'stops at the chunk that crosses 1024 bytes');
});

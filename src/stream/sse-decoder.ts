// Incremental server-sent-events decoder: bytes in, events out, following the WHATWG "event stream"
// parsing rules. Lines are found at the byte level (CR and LF never occur inside a multi-byte UTF-8
// sequence), so a chunk may end anywhere, even inside a character; text is decoded once per complete line.
// Most lines lie wholly inside one chunk and are decoded straight from it; only a line that spans chunks is
// copied, once, when it completes.
import { ProxyError } from '../errors.ts';

export interface SseEvent {
  /** The `event:` field, when the event named one. */
  event: string | undefined;
  /** The `data:` lines joined with "\n". */
  data: string;
  /** The `id:` field, when this event carried one. */
  id: string | undefined;
}

interface SseDecoderOptions {
  /** Largest event (all its lines, comments included) the decoder accepts, in bytes. */
  maxEventBytes?: number;
}

/** The decoder's default limit (also what the translators must take whole: see the fast path). */
export const DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
// Field names as bytes. Lines with any other field name are ignored, as the standard says.
const DATA = [0x64, 0x61, 0x74, 0x61];
const EVENT = [0x65, 0x76, 0x65, 0x6e, 0x74];
const ID = [0x69, 0x64];
/** The longest field name we act on ("event") plus its colon. */
const FIELD_SCAN = 6;

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function fieldIs(buf: Buffer, start: number, end: number, name: readonly number[]): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (buf[start + i] !== name[i]) return false;
  return true;
}

export class SseDecoder {
  private readonly maxEventBytes: number;
  /** Pieces of a line that has not ended yet (references into earlier chunks, not copies). */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** The previous chunk ended with CR: a LF starting the next one belongs to the same line break. */
  private skipLeadingLF = false;
  private atStreamStart = true;
  private eventBytes = 0;
  private eventType: string | undefined = undefined;
  private data = '';
  private hasData = false;
  private id: string | undefined = undefined;
  private failure: ProxyError | null = null;

  constructor(options: SseDecoderOptions = {}) {
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  }

  /**
   * Feeds one chunk; `onEvent` runs synchronously for each event the chunk completes. Throws a ProxyError
   * `sse_event_too_large` when an event grows beyond maxEventBytes (and on every later push).
   */
  push(chunk: Uint8Array, onEvent: (event: SseEvent) => void): void {
    if (this.failure) throw this.failure;
    const buf = asBuffer(chunk);
    const length = buf.length;
    if (length === 0) return;
    let pos = 0;
    if (this.skipLeadingLF) {
      this.skipLeadingLF = false;
      if (buf[0] === LF) pos = 1;
    }
    // Next CR and LF positions, each searched for again only once passed (CR is rare in practice).
    let nextLF = buf.indexOf(LF, pos);
    let nextCR = buf.indexOf(CR, pos);
    while (pos < length) {
      if (nextLF !== -1 && nextLF < pos) nextLF = buf.indexOf(LF, pos);
      if (nextCR !== -1 && nextCR < pos) nextCR = buf.indexOf(CR, pos);
      const lineEnd = nextLF === -1 ? nextCR : nextCR === -1 ? nextLF : Math.min(nextLF, nextCR);
      if (lineEnd === -1) {
        this.keepPartial(buf, pos, length);
        return;
      }
      if (this.partialBytes > 0) {
        this.partial.push(buf.subarray(pos, lineEnd));
        const line = Buffer.concat(this.partial, this.partialBytes + lineEnd - pos);
        this.partial = [];
        this.partialBytes = 0;
        this.line(line, 0, line.length, onEvent);
      } else {
        this.line(buf, pos, lineEnd, onEvent);
      }
      pos = lineEnd + 1;
      if (buf[lineEnd] === CR) {
        if (pos === length) this.skipLeadingLF = true;
        else if (buf[pos] === LF) pos++;
      }
    }
  }

  /** The stream ended. An event without its closing blank line is discarded, as the standard says. */
  end(): void {
    this.partial = [];
    this.partialBytes = 0;
    this.resetEvent();
    this.skipLeadingLF = false;
  }

  private keepPartial(buf: Buffer, start: number, end: number): void {
    this.partial.push(buf.subarray(start, end));
    this.partialBytes += end - start;
    this.checkSize(this.partialBytes);
  }

  private checkSize(extra: number): void {
    if (this.eventBytes + extra > this.maxEventBytes) {
      this.failure = new ProxyError('sse_event_too_large', `The upstream stream is unusable: an upstream stream event is larger than ${this.maxEventBytes} bytes, the decoder's limit`);
      throw this.failure;
    }
  }

  private line(buf: Buffer, start: number, end: number, onEvent: (event: SseEvent) => void): void {
    // Sized before a byte order mark is dropped, as a partial line is: the limit must not depend on the cuts.
    const lineBytes = end - start + 1;
    if (this.atStreamStart) {
      this.atStreamStart = false;
      // A UTF-8 byte order mark may precede the first line.
      if (end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
    }
    if (start === end) {
      this.dispatch(onEvent);
      return;
    }
    this.checkSize(lineBytes);
    this.eventBytes += lineBytes;
    if (buf[start] === COLON) return; // a comment
    let colon = -1;
    const scanEnd = Math.min(end, start + FIELD_SCAN);
    for (let i = start; i < scanEnd; i++) {
      if (buf[i] === COLON) {
        colon = i;
        break;
      }
    }
    let nameEnd = end;
    let valueStart = end;
    if (colon !== -1) {
      nameEnd = colon;
      valueStart = colon + 1;
      if (valueStart < end && buf[valueStart] === SPACE) valueStart++;
    } else if (end - start > FIELD_SCAN) {
      return; // a field name we do not act on
    }
    if (fieldIs(buf, start, nameEnd, DATA)) {
      const value = buf.toString('utf8', valueStart, end);
      if (this.hasData) this.data += '\n' + value;
      else {
        this.data = value;
        this.hasData = true;
      }
    } else if (fieldIs(buf, start, nameEnd, EVENT)) {
      this.eventType = buf.toString('utf8', valueStart, end);
    } else if (fieldIs(buf, start, nameEnd, ID)) {
      const value = buf.toString('utf8', valueStart, end);
      if (!value.includes('\0')) this.id = value;
    }
    // `retry` and unknown fields: nothing to do for a proxy.
  }

  private dispatch(onEvent: (event: SseEvent) => void): void {
    if (this.hasData) {
      const event: SseEvent = { event: this.eventType, data: this.data, id: this.id };
      this.resetEvent();
      onEvent(event);
    } else {
      this.resetEvent();
    }
  }

  private resetEvent(): void {
    this.eventBytes = 0;
    this.eventType = undefined;
    this.data = '';
    this.hasData = false;
    this.id = undefined;
  }
}

/** Decodes a whole byte sequence at once (tests, small bodies). */
export function decodeSse(bytes: Uint8Array, options?: SseDecoderOptions): SseEvent[] {
  const events: SseEvent[] = [];
  const decoder = new SseDecoder(options);
  decoder.push(bytes, (event) => events.push(event));
  decoder.end();
  return events;
}

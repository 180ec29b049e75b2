// Compressed upstream answers. The proxy asks for none (`accept-encoding: identity`): answers are small next
// to their requests, and stream events then reach the client without a decompression step. An upstream or a
// gateway that compresses anyway (gzip, deflate, br, zstd) is decoded here, once, for every route: the
// translators read plain JSON and SSE, and the passthrough relays the decoded bytes without
// `content-encoding` (it never forwards the client's accept-encoding, so it cannot know what the client takes).
import { pipeline, type Transform } from 'node:stream';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { Readable } from 'node:stream';

export const ACCEPT_ENCODING = 'identity';

const DECODERS: Readonly<Record<string, () => Transform>> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
  // Node 22.15+ (the engines minimum is 22.19).
  zstd: () => zlib.createZstdDecompress(),
};

type WholeDecoder = (bytes: Buffer, options: zlib.ZlibOptions) => Promise<Buffer>;

const WHOLE_DECODERS: Readonly<Record<string, WholeDecoder>> = {
  gzip: promisify(zlib.gunzip),
  'x-gzip': promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress) as WholeDecoder,
  zstd: promisify(zlib.zstdDecompress) as WholeDecoder,
};

/** A body error that came from decoding, not from the connection. */
export interface DecodeError extends Error {
  contentEncoding: string;
}

export function isDecodeError(error: unknown): error is DecodeError {
  return error instanceof Error && typeof (error as Partial<DecodeError>).contentEncoding === 'string';
}

/** The codings applied to a body, in the order they were applied; `identity` dropped. */
const NO_CODINGS: readonly string[] = Object.freeze([]);

export function contentCodings(header: string | string[] | undefined): readonly string[] {
  if (header === undefined) return NO_CODINGS;
  const text = Array.isArray(header) ? header.join(',') : header ?? '';
  return text.split(',').map((coding) => coding.trim().toLowerCase()).filter((coding) => coding !== '' && coding !== 'identity');
}

/** The first coding the proxy cannot decode, or null. */
export function undecodableCoding(codings: readonly string[]): string | null {
  return codings.find((coding) => !Object.hasOwn(DECODERS, coding)) ?? null;
}

/** What callers read an upstream body with (undici's body mixin, the part the routes use). */
export interface BodyMethods {
  text(): Promise<string>;
  json(): Promise<unknown>;
  arrayBuffer(): Promise<ArrayBuffer>;
  dump(): Promise<void>;
}

// A body read only to be discarded (an error answer the client does not see) is bounded.
const DUMP_LIMIT_BYTES = 128 * 1024;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The decoded body: a stream with the body methods. Errors of the connection reach its reader unchanged
 * (timeouts keep their codes); a decoding error is marked with its coding. Destroying it destroys the
 * upstream body.
 */
export function decodedBody<Body extends Readable>(body: Body, codings: readonly string[]): Body {
  const decoders = [...codings].reverse().map((coding) => {
    const decoder = DECODERS[coding]!();
    decoder.once('error', (error) => Object.assign(error, { contentEncoding: coding }));
    return decoder;
  });
  const decoded = pipeline([body, ...decoders], () => undefined) as unknown as Transform;
  const methods: BodyMethods = {
    text: async () => (await readAll(decoded)).toString('utf8'),
    json: async () => JSON.parse((await readAll(decoded)).toString('utf8')),
    arrayBuffer: async () => {
      const bytes = await readAll(decoded);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
    dump: async () => {
      let seen = 0;
      try {
        for await (const chunk of decoded) {
          seen += (chunk as Buffer).length;
          if (seen > DUMP_LIMIT_BYTES) break;
        }
      } catch {
        // discarded anyway
      }
      decoded.destroy();
    },
  };
  return Object.assign(decoded, methods) as unknown as Body;
}

/**
 * A whole body decoded (on the thread pool), coding by coding; each step's output is bounded by `limitBytes`
 * (a RangeError with code ERR_BUFFER_TOO_LARGE beyond it). A decoding error is marked with its coding.
 */
export async function decodeWhole(bytes: Buffer, codings: readonly string[], limitBytes: number): Promise<Buffer> {
  let decoded = bytes;
  for (let index = codings.length - 1; index >= 0; index--) {
    const coding = codings[index]!;
    try {
      decoded = await WHOLE_DECODERS[coding]!(decoded, { maxOutputLength: limitBytes });
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw error;
      throw Object.assign(error as Error, { contentEncoding: coding });
    }
  }
  return decoded;
}

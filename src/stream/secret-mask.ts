// A secret (the server's upstream key) must never reach a client, whatever the upstream echoes. For streams
// this wraps the route's transform: every occurrence is replaced in its output, and the rare output that
// ends with the first bytes of the secret keeps them back until the next one shows whether the secret
// follows (a stream's chunks end at event boundaries, so nearly always nothing is held). Pure.
import type { ProxyError } from '../errors.ts';
import type { StreamFailure, StreamTransform } from './stream-transform.ts';
import type { AnthropicUsage } from '../wire/anthropic.ts';

export const MASKED = '[REDACTED]';
/** Shortest secret masked: shorter values (a key `test`) are too likely to be ordinary words. */
export const MIN_MASKED_KEY_LENGTH = 8;

type Piece = string | Buffer;

function replaceAll(piece: Piece, secret: string, secretBytes: Buffer): Piece {
  if (typeof piece === 'string') return piece.includes(secret) ? piece.replaceAll(secret, MASKED) : piece;
  let at = piece.indexOf(secretBytes);
  if (at === -1) return piece;
  const parts: Buffer[] = [];
  let from = 0;
  const masked = Buffer.from(MASKED);
  while (at !== -1) {
    parts.push(piece.subarray(from, at), masked);
    from = at + secretBytes.length;
    at = piece.indexOf(secretBytes, from);
  }
  parts.push(piece.subarray(from));
  return Buffer.concat(parts);
}

/** Replaces every occurrence of `secret` in a whole body (a string or bytes). */
export function maskSecret<T extends Piece>(piece: T, secret: string): T {
  return replaceAll(piece, secret, Buffer.from(secret)) as T;
}

/** How many final characters (or bytes) of `piece` are the first ones of `secret` (fewer than all of it). */
function heldLength(piece: Piece, secret: Piece): number {
  for (let k = Math.min(secret.length - 1, piece.length); k > 0; k--) {
    let match = true;
    for (let i = 0; i < k && match; i++) match = piece[piece.length - k + i] === secret[i];
    if (match) return k;
  }
  return 0;
}

export class SecretMaskingTransform implements StreamTransform {
  private readonly inner: StreamTransform;
  private readonly secret: string;
  private readonly secretBytes: Buffer;
  private held: Piece = '';

  constructor(inner: StreamTransform, secret: string) {
    this.inner = inner;
    this.secret = secret;
    this.secretBytes = Buffer.from(secret);
  }

  get finished(): boolean {
    return this.inner.finished;
  }

  get failure(): StreamFailure | null {
    return this.inner.failure;
  }

  get usage(): AnthropicUsage | null {
    return this.inner.usage;
  }

  push(chunk: Buffer): Piece {
    const out = this.inner.push(chunk);
    return this.inner.finished ? this.last(out) : this.masked(out, true);
  }

  end(): Piece {
    return this.last(this.inner.end());
  }

  fail(error: ProxyError): Piece {
    return this.last(this.inner.fail(error));
  }

  /** The final output: what was held, and nothing held back any more. */
  private last(out: Piece): Piece {
    return this.masked(out, false);
  }

  private masked(out: Piece, mayHold: boolean): Piece {
    let piece: Piece = out;
    if (this.held.length > 0) {
      piece = typeof out === 'string' && typeof this.held === 'string'
        ? this.held + out
        : Buffer.concat([Buffer.from(this.held), Buffer.from(out)]);
      this.held = '';
    }
    if (piece.length === 0) return piece;
    piece = replaceAll(piece, this.secret, this.secretBytes);
    if (!mayHold) return piece;
    const hold = heldLength(piece, typeof piece === 'string' ? this.secret : this.secretBytes);
    if (hold === 0) return piece;
    if (typeof piece === 'string') {
      this.held = piece.slice(-hold);
      return piece.slice(0, -hold);
    }
    this.held = Buffer.from(piece.subarray(piece.length - hold));
    return piece.subarray(0, piece.length - hold);
  }
}

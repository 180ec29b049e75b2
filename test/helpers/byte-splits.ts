// Cutting a byte stream into chunks the way a network may deliver it. The stream tests check that no cut
// changes what a decoder or translator produces.
import type { Test } from 'tap';

/** Splits `bytes` at the given cut points (taken modulo the length, deduplicated, sorted). */
export function cutAt<Bytes extends Uint8Array>(bytes: Bytes, cuts: number[]): Bytes[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Bytes[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    pieces.push(bytes.subarray(from, point) as Bytes);
    from = point;
  }
  return pieces;
}

/** Asserts that every two-piece split of `bytes`, and one byte at a time, replay to what the whole does. */
export function checkEverySplit(t: Test, bytes: Buffer, replay: (pieces: Buffer[]) => string): void {
  const whole = replay([bytes]);
  let mismatches = 0;
  for (let cut = 1; cut < bytes.length; cut++) {
    if (replay([bytes.subarray(0, cut), bytes.subarray(cut)]) !== whole) mismatches++;
  }
  t.equal(mismatches, 0, `all ${bytes.length - 1} two-piece splits give the same output`);
  const single: Buffer[] = [];
  for (let i = 0; i < bytes.length; i++) single.push(bytes.subarray(i, i + 1));
  t.equal(replay(single), whole, 'one byte at a time');
}

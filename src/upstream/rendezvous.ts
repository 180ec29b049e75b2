// Weighted rendezvous hashing: for one affinity key, every option gets a score from a hash of (key, option),
// and the options are tried in score order. The same key always prefers the same option while it is there
// (a conversation keeps its upstream key, and with it the upstream's prompt cache); over many keys each option
// is first in proportion to its weight.

/** FNV-1a over the string: cheap, and spread enough for ordering a handful of options. */
function fnv1a(text: string, seed = 0x811c9dc5): number {
  let hash = seed;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // A final mix, so that keys differing only at the end still spread.
  hash ^= hash >>> 15;
  hash = Math.imul(hash, 0x2c1b3c6d);
  hash ^= hash >>> 12;
  return hash >>> 0;
}

/** The hash of an affinity key, computed once per request. */
export function affinityHash(key: string): number {
  return fnv1a(key);
}

/** Lower is preferred: -ln(u) / weight, with u uniform in (0, 1) from the (key, option) hash. */
export function rendezvousScore(keyHash: number, option: string, weight: number): number {
  const u = (fnv1a(option, keyHash ^ 0x9e3779b9) + 0.5) / 4294967296;
  return -Math.log(u) / Math.max(weight, Number.MIN_VALUE);
}

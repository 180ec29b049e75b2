// A reasoning item's `encrypted_content` carries what Anthropic needs to accept the thinking again: the
// thinking block's text and signature, or a redacted block's data. Opaque to clients (Codex with
// store:false and include:["reasoning.encrypted_content"], the Agents SDK send it back as they got it);
// versioned by its prefix so the encoding can change without misreading old items.

/** Version prefix of what this service writes. */
const PREFIX_V1 = 'ap1.';

export type ReplayableThinking = { type: 'thinking'; thinking: string; signature: string } | { type: 'redacted_thinking'; data: string };

export function encodeReasoning(block: ReplayableThinking): string {
  const compact = block.type === 'thinking' ? { t: block.thinking, s: block.signature } : { r: block.data };
  return PREFIX_V1 + Buffer.from(JSON.stringify(compact), 'utf8').toString('base64url');
}

/**
 * The block an encrypted_content stands for, or null when it is not ours (another service's blob, a
 * damaged value) or carries nothing Anthropic would accept (unsigned thinking): such items are left out.
 */
export function decodeReasoning(encrypted: unknown): ReplayableThinking | null {
  if (typeof encrypted !== 'string' || !encrypted.startsWith(PREFIX_V1)) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encrypted.slice(PREFIX_V1.length), 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  const { t, s, r } = value as { t?: unknown; s?: unknown; r?: unknown };
  if (typeof r === 'string' && r !== '') return { type: 'redacted_thinking', data: r };
  if (typeof s === 'string' && s !== '' && typeof t === 'string') return { type: 'thinking', thinking: t, signature: s };
  return null;
}

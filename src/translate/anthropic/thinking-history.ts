// Thinking blocks in a conversation's history carry signatures that only their issuer verifies: a request
// that moves to another provider (a fallback) must not send them (Anthropic refuses a signature it did not
// issue). Pure: a Messages body in, the same body without replayed thinking out.

type Body = Record<string, unknown> & { messages?: unknown; thinking?: unknown };

const THINKING_TYPES = new Set(['thinking', 'redacted_thinking']);

function isThinking(block: unknown): boolean {
  return block !== null && typeof block === 'object' && THINKING_TYPES.has((block as { type?: unknown }).type as string);
}

/**
 * The body with every thinking and redacted_thinking block left out of the assistant turns (a turn left with
 * nothing keeps its thinking text as plain text, so that no turn is lost). With thinking on, Anthropic wants
 * the assistant turn of a tool loop to begin with its thinking: once that is gone, the request goes without
 * thinking, as Anthropic's extended-thinking docs describe for a loop whose thinking was not preserved.
 * The body itself is returned when it holds no thinking.
 */
export function withoutThinkingHistory<T extends Body>(body: T): T {
  const messages = body.messages;
  if (!Array.isArray(messages)) return body;
  let changed = false;
  const kept = messages.map((message: unknown) => {
    const { role, content } = (message ?? {}) as { role?: unknown; content?: unknown };
    if (role !== 'assistant' || !Array.isArray(content) || !content.some(isThinking)) return message;
    changed = true;
    const rest = content.filter((block) => !isThinking(block));
    if (rest.length > 0) return { ...(message as object), content: rest };
    const text = content.map((block: { thinking?: unknown }) => (typeof block.thinking === 'string' ? block.thinking : '')).join('\n').trim();
    return { ...(message as object), content: [{ type: 'text', text: text === '' ? '(reasoning omitted)' : text }] };
  });
  if (!changed) return body;
  const { thinking, ...rest } = body;
  const on = thinking !== null && typeof thinking === 'object' && (thinking as { type?: unknown }).type !== 'disabled';
  return { ...(on ? rest : body), messages: kept } as T;
}

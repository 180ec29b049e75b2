// Builds Anthropic's alternating turns from messages in any order. Shared by the chat and Responses
// translations: consecutive same-role turns are merged (GLM and other strict upstreams reject roles that
// do not alternate), `lead` blocks go first in their turn (tool results in user turns, earlier thinking in
// assistant turns), and a final (prefill) assistant text loses the trailing whitespace Anthropic rejects.
import type { AnthropicMessage, ContentBlock } from '../wire/anthropic.ts';

interface Turn {
  role: 'user' | 'assistant';
  lead: ContentBlock[];
  rest: ContentBlock[];
}

export class TurnBuilder {
  private readonly turns: Turn[] = [];

  /** Adds blocks to a turn of `role`: the last one when it has that role, else a new one. */
  add(role: Turn['role'], lead: ContentBlock[], rest: ContentBlock[]): void {
    if (lead.length === 0 && rest.length === 0) return;
    const last = this.turns.at(-1);
    if (last && last.role === role) {
      for (const block of lead) last.lead.push(block);
      for (const block of rest) last.rest.push(block);
    } else {
      this.turns.push({ role, lead, rest });
    }
  }

  /** The turns as Anthropic messages (empty when no turn had content). */
  messages(): AnthropicMessage[] {
    this.trimFinalAssistant();
    return this.turns.map((turn) => ({ role: turn.role, content: turn.lead.length === 0 ? turn.rest : turn.lead.concat(turn.rest) }));
  }

  /** Anthropic rejects a final (prefill) assistant turn whose text ends in whitespace. */
  private trimFinalAssistant(): void {
    const last = this.turns.at(-1);
    if (!last || last.role !== 'assistant') return;
    const block = last.rest.at(-1);
    if (block?.type !== 'text') return;
    const trimmed = block.text.trimEnd();
    if (trimmed === block.text) return;
    if (trimmed === '') last.rest.pop();
    else last.rest[last.rest.length - 1] = { ...block, text: trimmed };
    if (last.lead.length === 0 && last.rest.length === 0) this.turns.pop();
  }
}

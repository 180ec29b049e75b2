// Builds Anthropic's alternating turns from messages in any order. Shared by the chat and Responses
// translations: consecutive same-role turns are merged (GLM and other strict upstreams reject roles that
// do not alternate), `lead` blocks go first in their turn (tool results in user turns, earlier thinking in
// assistant turns), tool calls and results are paired as Anthropic requires (pairToolResults), and a final
// (prefill) assistant text loses the trailing whitespace Anthropic rejects.
import type { AnthropicMessage, ContentBlock, DocumentBlock, ImageBlock, TextBlock, ToolResultBlock } from '../../wire/anthropic.ts';

/** What a tool call the client never answered gets as its result, so that the conversation can go on. */
export const UNANSWERED_TOOL_CALL = 'No result: this tool call was not answered.';

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
    return pairToolResults(this.turns.map((turn) => ({ role: turn.role, content: turn.lead.length === 0 ? turn.rest : turn.lead.concat(turn.rest) })));
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

/**
 * Anthropic requires every tool_use of an assistant turn to be answered by a tool_result at the start of the
 * user turn right after it, and refuses a tool_result that answers no call of that turn. Clients send both
 * kinds of history: a call left unanswered (a cancelled or partly answered parallel call, a user who spoke
 * instead) and a result without its call (history trimmed from the front, a result sent late). Instead of an
 * upstream 400 the conversation is made valid: an unanswered call gets an error result that says so, and a
 * result without its call becomes text in its turn, so the model still reads it. Turns alternate (the
 * builder merges same-role ones), so a call is answered in the user turn after it or, in a final assistant
 * turn, not yet at all (which Anthropic accepts).
 */
export function pairToolResults(messages: AnthropicMessage[]): AnthropicMessage[] {
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (message.role !== 'user') continue;
    const previous = i > 0 ? messages[i - 1] : undefined;
    const calls = previous ? previous.content.filter((block) => block.type === 'tool_use').map((block) => block.id) : [];
    if (calls.length === 0 && !message.content.some((block) => block.type === 'tool_result')) continue;
    const open = new Set(calls);
    const results: ContentBlock[] = [];
    const others: ContentBlock[] = [];
    for (const block of message.content) {
      if (block.type !== 'tool_result') others.push(block);
      else if (open.delete(block.tool_use_id)) results.push(block);
      else for (const text of resultAsText(block)) others.push(text);
    }
    for (const id of open) results.push({ type: 'tool_result', tool_use_id: id, content: UNANSWERED_TOOL_CALL, is_error: true });
    messages[i] = { role: 'user', content: results.concat(others) };
  }
  return messages;
}

/** A tool result that answers no call of the turn before, as the text (and images, documents) it carries. */
function resultAsText(block: ToolResultBlock): ContentBlock[] {
  const label = `Result of tool call ${block.tool_use_id}${block.is_error ? ' (an error)' : ''}:`;
  const content = block.content ?? '';
  const blocks: ContentBlock[] = typeof content === 'string' ? [{ type: 'text', text: `${label} ${content}` }] : [{ type: 'text', text: label }, ...content];
  // The client's cache marker stays at the end of what the result carried.
  const last = blocks.at(-1) as TextBlock | ImageBlock | DocumentBlock;
  if (block.cache_control && !last.cache_control) blocks[blocks.length - 1] = { ...last, cache_control: block.cache_control };
  return blocks;
}

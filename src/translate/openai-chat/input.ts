// OpenAI chat messages -> Anthropic `system` + alternating `messages` (anthropic/turns.ts). system/developer
// messages are hoisted in order; tool results go into user turns ahead of any text; tool-call ids and names
// are cleaned as on the Responses API (openai-common/tool-calls.ts).
import { invalidRequest } from '../../errors.ts';
import { TurnBuilder } from '../anthropic/turns.ts';
import type { ContentContext } from '../openai-common/content.ts';
import { customToolUseInput } from '../openai-common/custom-tool.ts';
import { ToolCallIds, historyToolName, toolInput } from '../openai-common/tool-calls.ts';
import { anthropicCacheControl, contentBlocks, textOnlyBlocks } from './content.ts';
import type { AnthropicMessage, ContentBlock, RedactedThinkingBlock, TextBlock, ThinkingBlock, ToolResultBlock, ToolUseBlock } from '../../wire/anthropic.ts';
import type { ChatMessage, ChatToolCall } from '../../wire/openai-chat.ts';

export interface TranslatedMessages {
  system: TextBlock[];
  messages: AnthropicMessage[];
  hasImage: boolean;
}

/** The id given to a legacy assistant `function_call` (it has none): stable for the same history. */
export function legacyCallId(messageIndex: number): string {
  return `call_fn_${messageIndex}`;
}

/** Earlier thinking replayed as the leading block(s): thinking_blocks as given, else reasoning_content + signature. */
function thinkingReplay(message: ChatMessage): Array<ThinkingBlock | RedactedThinkingBlock> {
  const replay: Array<ThinkingBlock | RedactedThinkingBlock> = [];
  if (Array.isArray(message.thinking_blocks) && message.thinking_blocks.length > 0) {
    for (const block of message.thinking_blocks) {
      if (block.type === 'redacted_thinking' && typeof block.data === 'string') replay.push({ type: 'redacted_thinking', data: block.data });
      // Unsigned thinking is rejected by Anthropic; signature-only blocks (empty text) are valid and kept.
      else if (block.type === 'thinking' && typeof block.signature === 'string' && block.signature !== '') {
        replay.push({ type: 'thinking', thinking: block.thinking ?? '', signature: block.signature });
      }
    }
    return replay;
  }
  if (typeof message.reasoning_content === 'string' && typeof message.reasoning_signature === 'string' && message.reasoning_signature !== '') {
    replay.push({ type: 'thinking', thinking: message.reasoning_content, signature: message.reasoning_signature });
  }
  return replay;
}

/** A function call (`function.arguments` JSON) or a custom tool call (`custom.input` raw text) -> tool_use. */
function toolUse(call: ChatToolCall, param: string, ids: ToolCallIds): ToolUseBlock {
  if (typeof call.id !== 'string') throw invalidRequest(`'${param}.id' is required`, `${param}.id`);
  const kind = call.type === 'custom' ? 'custom' : 'function';
  const name = kind === 'custom' ? call.custom?.name : call.function?.name;
  if (typeof name !== 'string') throw invalidRequest(`'${param}.${kind}.name' is required`, `${param}.${kind}.name`);
  const block: ToolUseBlock = {
    type: 'tool_use',
    id: ids.call(call.id),
    name: historyToolName(name),
    input: kind === 'custom' ? customToolUseInput(call.custom?.input) : toolInput(call.function?.arguments),
  };
  const cacheControl = anthropicCacheControl(call.cache_control);
  if (cacheControl) block.cache_control = cacheControl;
  return block;
}

function toolResult(toolUseId: string, message: ChatMessage, param: string, context: ContentContext, ids: ToolCallIds): ToolResultBlock {
  const result: ToolResultBlock = { type: 'tool_result', tool_use_id: ids.result(toolUseId) };
  if (typeof message.content === 'string') {
    if (message.content.trim() !== '') result.content = message.content;
  } else {
    const blocks = contentBlocks(message.content, param, context);
    for (let j = 0; j < blocks.length; j++) {
      const type = blocks[j].type;
      if (type !== 'text' && type !== 'image' && type !== 'document') {
        throw invalidRequest(`'${param}[${j}]' cannot be part of a tool result`, `${param}[${j}]`);
      }
    }
    if (blocks.length > 0) result.content = blocks as ToolResultBlock['content'];
  }
  // A message-level marker on a tool message caches up to and including its result.
  const cacheControl = anthropicCacheControl(message.cache_control);
  if (cacheControl) result.cache_control = cacheControl;
  return result;
}

/** A message-level cache_control marks the message's last block (text or tool_use), where the client put it. */
function markLast(blocks: ContentBlock[], messageCacheControl: ChatMessage['cache_control']): void {
  const cacheControl = anthropicCacheControl(messageCacheControl);
  const last = blocks.at(-1);
  if (cacheControl && last && (last.type === 'text' || last.type === 'tool_use') && !last.cache_control) last.cache_control = cacheControl;
}

export function translateMessages(input: readonly ChatMessage[]): TranslatedMessages {
  const system: TextBlock[] = [];
  const turns = new TurnBuilder();
  const context: ContentContext = { hasImage: false };
  const ids = new ToolCallIds();
  // Legacy function calls carry no id: remember the synthetic one per function name for the answer.
  const legacyIds = new Map<string, string>();

  for (let i = 0; i < input.length; i++) {
    const message = input[i];
    const at = `messages[${i}]`;
    switch (message.role) {
      case 'system':
      case 'developer':
        for (const block of textOnlyBlocks(message.content, `${at}.content`, message.cache_control)) system.push(block);
        break;
      case 'user':
        if (message.content === undefined || message.content === null) {
          throw invalidRequest(`'${at}.content' is required for a user message`, `${at}.content`);
        }
        turns.add('user', [], contentBlocks(message.content, `${at}.content`, context, message.cache_control));
        break;
      case 'assistant': {
        const rest: ContentBlock[] = textOnlyBlocks(message.content, `${at}.content`);
        const calls = message.tool_calls ?? [];
        for (let j = 0; j < calls.length; j++) rest.push(toolUse(calls[j], `${at}.tool_calls[${j}]`, ids));
        if (message.function_call) {
          const id = legacyCallId(i);
          legacyIds.set(message.function_call.name, id);
          rest.push(toolUse({ id, function: message.function_call }, `${at}.function_call`, ids));
        }
        markLast(rest, message.cache_control);
        turns.add('assistant', thinkingReplay(message), rest);
        break;
      }
      case 'tool': {
        if (typeof message.tool_call_id !== 'string') {
          throw invalidRequest(`'${at}.tool_call_id' is required for a tool message`, `${at}.tool_call_id`);
        }
        turns.add('user', [toolResult(message.tool_call_id, message, `${at}.content`, context, ids)], []);
        break;
      }
      case 'function': {
        // A result whose name matches no earlier function_call gets an id no call has: like a tool message
        // without its call, it reaches the model as text (turns.ts).
        const id = (typeof message.name === 'string' ? legacyIds.get(message.name) : undefined) ?? legacyCallId(i);
        turns.add('user', [toolResult(id, message, `${at}.content`, context, ids)], []);
        break;
      }
      default:
        throw invalidRequest(`'${at}.role' ${JSON.stringify(message.role)} is not a supported role`, `${at}.role`);
    }
  }

  const messages = turns.messages();
  if (messages.length === 0 && system.length > 0) {
    // Only instructions (OpenAI takes that): Anthropic needs a turn, so they become the user turn.
    return { system: [], messages: [{ role: 'user', content: system }], hasImage: context.hasImage };
  }
  if (messages.length === 0) {
    throw invalidRequest("'messages' must contain at least one message with content: the upstream needs a non-empty turn", 'messages');
  }
  return { system, messages, hasImage: context.hasImage };
}

/**
 * The client's own reasoning (`reasoning_content`) for each earlier tool call, by the Anthropic id the call
 * gets: unsigned, so Anthropic would refuse it as a thinking block, but an upstream that wants thinking on
 * its tool-call turns (Kimi) takes it (profiles/adapt.ts).
 */
export function reasoningByToolUseId(input: readonly ChatMessage[]): Map<string, string> {
  const reasoning = new Map<string, string>();
  // The ids are given in history order, as the translation gives them (ToolCallIds).
  const ids = new ToolCallIds();
  for (const message of input) {
    if (message.role !== 'assistant') continue;
    const text = typeof message.reasoning_content === 'string' ? message.reasoning_content : '';
    for (const call of message.tool_calls ?? []) {
      if (typeof call?.id !== 'string') continue;
      const id = ids.call(call.id);
      if (text !== '') reasoning.set(id, text);
    }
  }
  return reasoning;
}

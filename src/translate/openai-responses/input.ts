// Responses `instructions` + `input` items -> Anthropic `system` + alternating `messages`. Items arrive
// resolved: item_reference and previous_response_id were replaced by the stored items before this pure step
// (state/history.ts). Rules: system/developer messages are hoisted into `system` in order after
// `instructions`; function_call / custom_tool_call -> assistant tool_use (id = call_id, cleaned as chat's
// ids are: openai-common/tool-calls.ts); their outputs -> user tool_result ahead of any text; reasoning items
// -> the thinking blocks they carry (else left out); consecutive same-role turns are merged
// (anthropic/turns.ts); a compaction item -> its summary as a user turn (compaction.ts).
import { ProxyError, invalidRequest } from '../../errors.ts';
import { TurnBuilder } from '../anthropic/turns.ts';
import { textBlock, type ContentContext } from '../openai-common/content.ts';
import { customToolUseInput } from '../openai-common/custom-tool.ts';
import { ToolCallIds, historyToolName, toolInput } from '../openai-common/tool-calls.ts';
import type { AnthropicMessage, DocumentBlock, ImageBlock, TextBlock, ToolResultBlock } from '../../wire/anthropic.ts';
import type { InputItem } from '../../wire/openai-responses.ts';
import { contentBlocks, textOnly } from './content.ts';
import { decodeCompaction, expandedSummary } from './compaction.ts';
import { decodeReasoning } from './encrypted-reasoning.ts';
import { upstreamToolName, type TranslatedTools } from './tools.ts';

export interface TranslatedInput {
  system: TextBlock[];
  messages: AnthropicMessage[];
  hasImage: boolean;
}

/** Item types with no Anthropic counterpart (hosted-tool calls and their outputs): left out. */
const HOSTED_ITEM = /^(web_search_call|file_search_call|computer_call|computer_call_output|code_interpreter_call|image_generation_call|local_shell_call|local_shell_call_output|shell_call|shell_call_output|apply_patch_call|apply_patch_call_output|mcp_.*|tool_search_.*|compaction_.*|program.*|additional_tools|configuration_update)$/;

function toolResult(item: Record<string, unknown>, param: string, context: ContentContext, ids: ToolCallIds): ToolResultBlock {
  const result: ToolResultBlock = { type: 'tool_result', tool_use_id: ids.result(callId(item, param)) };
  const output = item.output;
  if (typeof output === 'string') {
    if (output.trim() !== '') result.content = output;
    return result;
  }
  const blocks = contentBlocks(output ?? [], `${param}.output`, context);
  if (blocks.length > 0) result.content = blocks as Array<TextBlock | ImageBlock | DocumentBlock>;
  return result;
}

function callId(item: Record<string, unknown>, param: string): string {
  if (typeof item.call_id !== 'string' || item.call_id === '') throw invalidRequest(`'${param}.call_id' is required`, `${param}.call_id`);
  return item.call_id;
}

/** The Anthropic name of a called tool: a defined tool's, else the history name as Anthropic takes it. */
function toolName(item: Record<string, unknown>, param: string, tools: TranslatedTools): string {
  if (typeof item.name !== 'string' || item.name === '') throw invalidRequest(`'${param}.name' is required`, `${param}.name`);
  return historyToolName(upstreamToolName(tools, item.name, typeof item.namespace === 'string' ? item.namespace : null));
}

/** The role of a message item; `type` may be missing (a plain `{role, content}`). */
function isMessage(item: Record<string, unknown>): boolean {
  return item.type === 'message' || ((item.type === undefined || item.type === null) && typeof item.role === 'string');
}

export function translateInput(
  instructions: string | null | undefined,
  input: string | readonly InputItem[] | null | undefined,
  tools: TranslatedTools,
): TranslatedInput {
  const system: TextBlock[] = [];
  const turns = new TurnBuilder();
  const context: ContentContext = { hasImage: false };
  const ids = new ToolCallIds();
  if (typeof instructions === 'string') {
    const block = textBlock(instructions);
    if (block) system.push(block);
  }
  const items: readonly InputItem[] = typeof input === 'string' ? [{ role: 'user', content: input }] : input ?? [];

  for (let i = 0; i < items.length; i++) {
    const item = items[i] as Record<string, unknown>;
    const at = `input[${i}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw invalidRequest(`'${at}' must be an object`, at);
    if (isMessage(item)) {
      const blocks = contentBlocks(item.content ?? [], `${at}.content`, context);
      switch (item.role) {
        case 'system':
        case 'developer':
          for (const block of textOnly(blocks, `${at}.content`)) system.push(block);
          break;
        case 'user':
          turns.add('user', [], blocks);
          break;
        case 'assistant':
          turns.add('assistant', [], textOnly(blocks, `${at}.content`));
          break;
        default:
          throw invalidRequest(`'${at}.role' ${JSON.stringify(item.role)} must be "user", "assistant", "system" or "developer"`, `${at}.role`);
      }
      continue;
    }
    switch (item.type) {
      case 'function_call':
        turns.add('assistant', [], [{
          type: 'tool_use', id: ids.call(callId(item, at)), name: toolName(item, at, tools),
          input: toolInput(typeof item.arguments === 'string' ? item.arguments : undefined),
        }]);
        break;
      case 'custom_tool_call':
        turns.add('assistant', [], [{
          type: 'tool_use', id: ids.call(callId(item, at)), name: toolName(item, at, tools),
          input: customToolUseInput(item.input),
        }]);
        break;
      case 'function_call_output':
      case 'custom_tool_call_output':
        turns.add('user', [toolResult(item, at, context, ids)], []);
        break;
      case 'reasoning': {
        // Thinking goes first in its assistant turn, as Anthropic requires when tool calls follow.
        const block = decodeReasoning(item.encrypted_content);
        if (block) turns.add('assistant', [block], []);
        break;
      }
      case 'compaction': {
        // The summary of the history it replaced, as context; another service's item carries nothing we can read.
        const summary = decodeCompaction(item.encrypted_content);
        if (summary !== null) turns.add('user', [], [{ type: 'text', text: expandedSummary(summary) }]);
        break;
      }
      case 'item_reference':
        throw new ProxyError('item_not_found', `'${at}' is an item_reference that was not resolved`, { param: at });
      default:
        if (typeof item.type === 'string' && HOSTED_ITEM.test(item.type)) break; // a hosted tool's item: no counterpart
        throw invalidRequest(`'${at}.type' ${JSON.stringify(item.type)} is not a supported input item type`, `${at}.type`);
    }
  }
  const messages = turns.messages();
  if (messages.length === 0 && system.length > 0) {
    // Only instructions (OpenAI takes that, as chat does): Anthropic needs a turn, so they become the user turn.
    return { system: [], messages: [{ role: 'user', content: system }], hasImage: context.hasImage };
  }
  if (messages.length === 0) throw invalidRequest("'input' must contain at least one message with content, or 'instructions': the upstream needs a non-empty turn", 'input');
  return { system, messages, hasImage: context.hasImage };
}

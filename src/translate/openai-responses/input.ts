// Responses `instructions` + `input` items -> Anthropic `system` + alternating `messages`. Items arrive
// resolved: item_reference and previous_response_id were replaced by the stored items before this pure step
// (state/history.ts). Rules: system/developer messages are hoisted into `system` in order after
// `instructions`; function_call / custom_tool_call -> assistant tool_use (id = call_id); their outputs -> user
// tool_result ahead of any text; reasoning items -> the thinking blocks they carry (else left out);
// consecutive same-role turns are merged (turns.ts).
import { ProxyError, invalidRequest } from '../../errors.ts';
import { fileBlock, imageBlock, textBlock, type ContentContext } from '../openai-chat/content.ts';
import { toolInput } from '../openai-chat/messages.ts';
import { TurnBuilder } from '../turns.ts';
import type { AnthropicMessage, ContentBlock, DocumentBlock, ImageBlock, TextBlock, ToolResultBlock } from '../../wire/anthropic.ts';
import type { ContentPart, InputItem } from '../../wire/openai-responses.ts';
import { decodeReasoning } from './encrypted-reasoning.ts';
import { customToolUseInput } from '../custom-tool.ts';
import { upstreamToolName, type TranslatedTools } from './tools.ts';

export interface TranslatedInput {
  system: TextBlock[];
  messages: AnthropicMessage[];
  hasImage: boolean;
}

/** Item types with no Anthropic counterpart (hosted-tool calls and their outputs): left out. */
const HOSTED_ITEM = /^(web_search_call|file_search_call|computer_call|computer_call_output|code_interpreter_call|image_generation_call|local_shell_call|local_shell_call_output|shell_call|shell_call_output|apply_patch_call|apply_patch_call_output|mcp_.*|tool_search_.*|compaction.*|program.*|additional_tools|configuration_update)$/;

const TEXT_PART_TYPES = new Set(['input_text', 'output_text', 'text']);

function partBlock(part: ContentPart, param: string, context: ContentContext): ContentBlock | null {
  const fields = part as Record<string, unknown>;
  if (TEXT_PART_TYPES.has(part.type)) {
    if (typeof fields.text !== 'string') throw invalidRequest(`'${param}.text' is required for a ${part.type} part`, `${param}.text`);
    return textBlock(fields.text);
  }
  switch (part.type) {
    case 'input_image': {
      if (typeof fields.image_url === 'string') return imageBlock(fields.image_url, `${param}.image_url`, context);
      if (typeof fields.file_id === 'string') {
        throw invalidRequest(`'${param}.file_id' is not supported (the upstream has no files API); send the image as image_url`, `${param}.file_id`, 'unsupported_file_id');
      }
      throw invalidRequest(`'${param}.image_url' is required for an input_image part`, `${param}.image_url`);
    }
    case 'input_file':
      return fileBlock(fields, param, context);
    case 'refusal':
      return null; // an earlier refusal echoed back: Anthropic has no such block
    case 'input_audio':
      throw invalidRequest(`'${param}' is an input_audio part: audio input is not supported by this service`, param, 'unsupported_content');
    default:
      throw invalidRequest(`'${param}.type' ${JSON.stringify(part.type)} is not a supported content part type`, `${param}.type`);
  }
}

function contentBlocks(content: unknown, param: string, context: ContentContext): ContentBlock[] {
  if (typeof content === 'string') {
    const block = textBlock(content);
    return block ? [block] : [];
  }
  if (!Array.isArray(content)) throw invalidRequest(`'${param}' must be a string or an array of content parts`, param);
  const blocks: ContentBlock[] = [];
  content.forEach((part: ContentPart, j) => {
    if (part === null || typeof part !== 'object' || typeof part.type !== 'string') throw invalidRequest(`'${param}[${j}].type' is required`, `${param}[${j}].type`);
    const block = partBlock(part, `${param}[${j}]`, context);
    if (block) blocks.push(block);
  });
  return blocks;
}

function textOnly(blocks: ContentBlock[], param: string): TextBlock[] {
  for (let j = 0; j < blocks.length; j++) {
    if (blocks[j].type !== 'text') throw invalidRequest(`'${param}' may only hold text in a system, developer or assistant message`, param);
  }
  return blocks as TextBlock[];
}

function toolResult(callId: unknown, output: unknown, param: string, context: ContentContext): ToolResultBlock {
  if (typeof callId !== 'string' || callId === '') throw invalidRequest(`'${param}.call_id' is required`, `${param}.call_id`);
  const result: ToolResultBlock = { type: 'tool_result', tool_use_id: callId };
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

function toolName(item: Record<string, unknown>, param: string, tools: TranslatedTools): string {
  if (typeof item.name !== 'string' || item.name === '') throw invalidRequest(`'${param}.name' is required`, `${param}.name`);
  return upstreamToolName(tools, item.name, typeof item.namespace === 'string' ? item.namespace : null);
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
          type: 'tool_use', id: callId(item, at), name: toolName(item, at, tools),
          input: toolInput(typeof item.arguments === 'string' ? item.arguments : undefined),
        }]);
        break;
      case 'custom_tool_call':
        turns.add('assistant', [], [{
          type: 'tool_use', id: callId(item, at), name: toolName(item, at, tools),
          input: customToolUseInput(item.input),
        }]);
        break;
      case 'function_call_output':
      case 'custom_tool_call_output':
        turns.add('user', [toolResult(item.call_id, item.output, at, context)], []);
        break;
      case 'reasoning': {
        // Thinking goes first in its assistant turn, as Anthropic requires when tool calls follow.
        const block = decodeReasoning(item.encrypted_content);
        if (block) turns.add('assistant', [block], []);
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

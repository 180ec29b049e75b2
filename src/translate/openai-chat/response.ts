// A non-streaming Anthropic Messages answer -> an OpenAI `chat.completion`. Pure: the caller passes the
// clock (`created`), a fallback id and what the request asked for (response_format tool, legacy functions).
import { finishReasonFor } from './finish-reason.ts';
import type { AnthropicResponse, RedactedThinkingBlock, ThinkingBlock } from '../../wire/anthropic.ts';
import type { ChatCompletion, ChatCompletionMessage, ChatToolCallOut } from '../../wire/openai-chat.ts';
import { customToolInputText } from '../openai-common/custom-tool.ts';
import { openAIUsageFrom, type CountTokens } from '../anthropic/usage.ts';

export interface CompletionOptions {
  /** Unix seconds. */
  created: number;
  /** Used as `chatcmpl-<id>` when the upstream answer has no id. */
  fallbackId: string;
  /** Used when the upstream answer names no model. */
  fallbackModel: string;
  /** The forced tool carrying response_format: its input becomes `content`. */
  responseFormatTool: string | null;
  /** Answer a legacy `functions` request with `function_call`. */
  legacyFunctions: boolean;
  /** The request's custom tools (free-form text input): their calls come back as `type: "custom"`. */
  customTools?: ReadonlySet<string>;
  /** Counts the thinking text for reasoning_tokens when the upstream does not (without it, 0 then). */
  countTokens?: CountTokens;
}

function reasoningEstimate(blocks: ReadonlyArray<ThinkingBlock | RedactedThinkingBlock>, countTokens: CountTokens | undefined) {
  return countTokens ? { texts: blocks.flatMap((block) => (block.type === 'thinking' ? [block.thinking] : [])), countTokens } : undefined;
}

export function chatCompletionFrom(answer: AnthropicResponse, options: CompletionOptions): ChatCompletion {
  let text = '';
  let reasoning = '';
  let formatJson: string | null = null;
  const thinkingBlocks: Array<ThinkingBlock | RedactedThinkingBlock> = [];
  const toolCalls: ChatToolCallOut[] = [];
  // The upstream is not trusted to be well-formed: odd blocks are skipped, odd fields read as empty.
  const str = (value: unknown) => (typeof value === 'string' ? value : '');
  const content = Array.isArray(answer.content) ? answer.content : [];
  for (let index = 0; index < content.length; index++) {
    const block = content[index];
    if (block === null || typeof block !== 'object') continue;
    switch (block.type) {
      case 'text':
        text += str(block.text);
        break;
      case 'thinking':
        reasoning += str(block.thinking);
        thinkingBlocks.push({ type: 'thinking', thinking: str(block.thinking), signature: str(block.signature) });
        break;
      case 'redacted_thinking':
        thinkingBlocks.push({ type: 'redacted_thinking', data: str(block.data) });
        break;
      case 'tool_use': {
        const args = JSON.stringify(block.input ?? {});
        // Without an id (some compatible upstreams), the same fallback as a streamed call: the client must
        // be able to send the call back, and an empty id would be refused then.
        const id = str(block.id) || `call_${index}`;
        if (options.responseFormatTool !== null && block.name === options.responseFormatTool) {
          formatJson ??= args;
        } else if (options.customTools?.has(str(block.name))) {
          toolCalls.push({ id, type: 'custom', custom: { name: str(block.name), input: customToolInputText(block.input) } });
        } else {
          toolCalls.push({ id, type: 'function', function: { name: str(block.name), arguments: args } });
        }
        break;
      }
      default:
        // Server tools (server_tool_use, web_search_tool_result, ...) ran upstream: not calls for the client.
        break;
    }
  }

  // The JSON answer replaces any text around it, so that `content` parses as JSON.
  const message: ChatCompletionMessage = { role: 'assistant', content: formatJson ?? (text === '' ? null : text), refusal: null };
  let finishReason = finishReasonFor(answer.stop_reason);
  if (toolCalls.length === 0 && finishReason === 'tool_calls') finishReason = 'stop';
  if (toolCalls.length > 0) {
    const first = toolCalls[0];
    if (options.legacyFunctions && first.type === 'function') {
      message.function_call = first.function;
      if (finishReason === 'tool_calls') finishReason = 'function_call';
    } else {
      message.tool_calls = toolCalls;
    }
  }
  if (thinkingBlocks.length > 0) {
    message.reasoning_content = reasoning;
    message.thinking_blocks = thinkingBlocks;
  }
  return {
    id: `chatcmpl-${str(answer.id) || options.fallbackId}`,
    object: 'chat.completion',
    created: options.created,
    model: str(answer.model) || options.fallbackModel,
    choices: [{ index: 0, message, finish_reason: finishReason, logprobs: null }],
    usage: openAIUsageFrom(answer.usage, reasoningEstimate(thinkingBlocks, options.countTokens)),
  };
}

// Mock upstream answers built from whole Anthropic messages: the same content is sent as one JSON message,
// or, when the request asked for `stream: true`, as the event sequence Anthropic streams for it (Anthropic
// "Streaming Messages": message_start, content_block_start / _delta / _stop per block, message_delta with
// the stop reason and cumulative usage, message_stop). Also small readers of what a request carries.
import { anthropicMessage, type MockHandler, type MockReply, type RecordedRequest, type SseEvent } from './mock-upstream.ts';

export type AnthropicBlock = Record<string, any> & { type: string };

export interface WholeMessage {
  id?: string;
  model?: string;
  content: AnthropicBlock[];
  stop_reason?: string;
  usage?: Record<string, number>;
}

const DEFAULT_USAGE = { input_tokens: 21, output_tokens: 9 };

/** Splits a string into pieces of at most `size` characters (at least one piece). */
function pieces(text: string, size: number): string[] {
  if (text.length === 0) return [''];
  const out: string[] = [];
  for (let at = 0; at < text.length; at += size) out.push(text.slice(at, at + size));
  return out;
}

/** The events Anthropic streams for this message: text, tool_use (input as JSON fragments) and thinking blocks. */
export function messageStreamEvents(whole: WholeMessage): SseEvent[] {
  const usage = whole.usage ?? DEFAULT_USAGE;
  const { output_tokens: outputTokens = 0, ...inputUsage } = usage;
  const start = anthropicMessage({ id: whole.id, model: whole.model, content: [], stop_reason: null, usage: { ...inputUsage, output_tokens: 1 } });
  const events: SseEvent[] = [{ data: { type: 'message_start', message: start } }];
  whole.content.forEach((block, index) => {
    const delta = (body: Record<string, unknown>) => events.push({ data: { type: 'content_block_delta', index, delta: body } });
    switch (block.type) {
      case 'text':
        events.push({ data: { type: 'content_block_start', index, content_block: { type: 'text', text: '' } } });
        for (const text of pieces(block.text, 12)) delta({ type: 'text_delta', text });
        break;
      case 'tool_use':
      case 'server_tool_use':
        events.push({ data: { type: 'content_block_start', index, content_block: { ...block, input: {} } } });
        delta({ type: 'input_json_delta', partial_json: '' });
        for (const part of pieces(JSON.stringify(block.input ?? {}), 10)) delta({ type: 'input_json_delta', partial_json: part });
        break;
      case 'thinking':
        events.push({ data: { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } } });
        for (const thinking of pieces(block.thinking, 16)) delta({ type: 'thinking_delta', thinking });
        delta({ type: 'signature_delta', signature: block.signature });
        break;
      default:
        events.push({ data: { type: 'content_block_start', index, content_block: block } });
    }
    events.push({ data: { type: 'content_block_stop', index } });
    if (index === 0) events.push({ data: { type: 'ping' } });
  });
  events.push({
    data: {
      type: 'message_delta',
      delta: { stop_reason: whole.stop_reason ?? 'end_turn', stop_sequence: null },
      usage: { ...inputUsage, output_tokens: outputTokens },
    },
  });
  events.push({ data: { type: 'message_stop' } });
  return events;
}

/** The message as the request wants it: SSE when it asked for `stream: true`, else one JSON body. */
export function messageReply(request: RecordedRequest, whole: WholeMessage): MockReply {
  if (request.body?.stream === true) return { kind: 'sse', events: messageStreamEvents(whole) };
  return {
    kind: 'json',
    body: anthropicMessage({ id: whole.id, model: whole.model, content: whole.content, stop_reason: whole.stop_reason ?? 'end_turn', usage: whole.usage ?? DEFAULT_USAGE }),
  };
}

export const textBlock = (text: string): AnthropicBlock => ({ type: 'text', text });
export const toolUseBlock = (id: string, name: string, input: unknown): AnthropicBlock => ({ type: 'tool_use', id, name, input });

/** Every content block of every message, in order (string content counts as one text block). */
export function blocksOf(body: any): AnthropicBlock[] {
  const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
  return messages.flatMap((message) =>
    typeof message?.content === 'string' ? [textBlock(message.content)] : Array.isArray(message?.content) ? message.content : [],
  );
}

/** The text of a tool_result block, whether its content is a string or text blocks. */
export function toolResultText(block: AnthropicBlock): string {
  if (typeof block.content === 'string') return block.content;
  if (Array.isArray(block.content)) return block.content.map((part: any) => (part?.type === 'text' ? part.text : '')).join('');
  return '';
}

/** The tool results of the last user turn (empty when that turn carries none). */
export function lastToolResults(body: any): AnthropicBlock[] {
  const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
  const last = messages.findLast((message) => message?.role === 'user');
  if (!last || !Array.isArray(last.content)) return [];
  return last.content.filter((block: AnthropicBlock) => block?.type === 'tool_result');
}

/** The text of the last user turn's text blocks. */
export function lastUserText(body: any): string {
  const messages: any[] = Array.isArray(body?.messages) ? body.messages : [];
  const last = messages.findLast((message) => message?.role === 'user');
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  return (last.content as AnthropicBlock[]).filter((block) => block?.type === 'text').map((block) => block.text).join('\n');
}

export interface ToolLoopScript {
  /** The tool call to make when the last user turn has no tool result; null answers with `finalText` at once. */
  call: (request: RecordedRequest) => { name: string; input: unknown } | null;
  /** The final answer, once tool results have arrived (they are passed in). */
  finalText: (results: AnthropicBlock[], request: RecordedRequest) => string;
  /** Text the model writes before its tool call, if any. */
  preamble?: string;
}

/**
 * A model in a tool loop: a tool_use first, the final text once the last user turn carries tool results.
 * A request whose tool_choice forces a tool (structured output through a forced tool) gets that tool's
 * call with the input from `forced` instead.
 */
export function toolLoopHandler(script: ToolLoopScript, forced?: (name: string, request: RecordedRequest) => unknown): MockHandler {
  let calls = 0;
  return (request) => {
    const body = request.body;
    const choice = body?.tool_choice;
    if (forced && choice?.type === 'tool' && typeof choice.name === 'string') {
      return messageReply(request, { content: [toolUseBlock(`toolu_forced_${++calls}`, choice.name, forced(choice.name, request))], stop_reason: 'tool_use' });
    }
    const results = lastToolResults(body);
    const call = results.length === 0 ? script.call(request) : null;
    if (call) {
      const content = [...(script.preamble ? [textBlock(script.preamble)] : []), toolUseBlock(`toolu_mock_${++calls}`, call.name, call.input)];
      return messageReply(request, { content, stop_reason: 'tool_use' });
    }
    return messageReply(request, { content: [textBlock(script.finalText(results, request))] });
  };
}

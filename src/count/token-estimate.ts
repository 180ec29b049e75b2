// A local estimate of a Messages request's input tokens, for upstreams without count_tokens. Text is counted
// with a real BPE tokenizer (cl100k_base, via gpt-tokenizer); Claude's own tokenizer is not public, so the
// result is an estimate and is marked as one. Images follow Anthropic's documented rule, width*height/750
// after scaling down (aspect kept) until the long edge is at most 1568 px and the image at most about 1,600
// tokens: no larger than the largest size in its table of unscaled sizes (784x1568, 1.23 MP).
import { imageSizeFromBase64 } from './image-size.ts';

export type CountText = (text: string) => number;

/** Tokens for an image whose size cannot be read (a URL, or an unknown header): about a 1.15 MP image. */
export const UNKNOWN_IMAGE_TOKENS = 1600;
/** Tokens for a PDF or other binary document, whose pages cannot be counted here. */
const UNKNOWN_DOCUMENT_TOKENS = 1600;
export const MESSAGE_OVERHEAD_TOKENS = 3;
export const TOOL_DEFINITION_OVERHEAD_TOKENS = 9;
export const REQUEST_OVERHEAD_TOKENS = 3;
const MAX_IMAGE_EDGE = 1568;
const MAX_IMAGE_PIXELS = 784 * 1568;

export function imageTokens(width: number, height: number): number {
  const scale = Math.min(1, MAX_IMAGE_EDGE / Math.max(width, height), Math.sqrt(MAX_IMAGE_PIXELS / (width * height)));
  return Math.max(1, Math.ceil((Math.round(width * scale) * Math.round(height * scale)) / 750));
}

type Block = Record<string, unknown>;

function sourceTokens(source: unknown, count: CountText, fallback: number): number {
  const src = (source ?? {}) as Block;
  if (src.type === 'base64' && typeof src.data === 'string') {
    if (typeof src.media_type === 'string' && src.media_type.startsWith('image/')) {
      const size = imageSizeFromBase64(src.data);
      return size ? imageTokens(size.width, size.height) : fallback;
    }
    return fallback;
  }
  if (src.type === 'text' && typeof src.data === 'string') return count(src.data);
  if (src.type === 'content' && Array.isArray(src.content)) return contentTokens(src.content, count);
  return fallback;
}

function blockTokens(block: Block, count: CountText): number {
  switch (block.type) {
    case 'text':
      return typeof block.text === 'string' ? count(block.text) : 0;
    case 'image':
      return sourceTokens(block.source, count, UNKNOWN_IMAGE_TOKENS);
    case 'document':
      return sourceTokens(block.source, count, UNKNOWN_DOCUMENT_TOKENS);
    case 'tool_use':
    case 'server_tool_use':
      return count(String(block.name ?? '')) + count(JSON.stringify(block.input ?? {}));
    case 'tool_result':
      return contentTokens(block.content, count);
    case 'thinking':
      return typeof block.thinking === 'string' ? count(block.thinking) : 0;
    default:
      // Unknown block types still cost something; their JSON is a fair stand-in.
      return count(JSON.stringify(block));
  }
}

function contentTokens(content: unknown, count: CountText): number {
  if (typeof content === 'string') return count(content);
  if (!Array.isArray(content)) return 0;
  let total = 0;
  for (const block of content) if (block && typeof block === 'object') total += blockTokens(block as Block, count);
  return total;
}

/** Tokens of one tool definition. */
function toolTokens(tool: Block, count: CountText): number {
  let total = TOOL_DEFINITION_OVERHEAD_TOKENS + count(String(tool.name ?? '')) + count(String(tool.description ?? ''));
  if (tool.input_schema !== undefined) total += count(JSON.stringify(tool.input_schema));
  return total;
}

/** Tokens of one part of a prompt: a tool definition, or a system or message content block. */
export function promptPartTokens(part: object, region: 'tools' | 'system' | 'messages', count: CountText): number {
  return region === 'tools' ? toolTokens(part as Block, count) : blockTokens(part as Block, count);
}

/**
 * A quick, generous count (UTF-8 bytes / 3: about 4/3 of a BPE count for English, one per CJK character) for
 * decisions that only need to know whether a prefix passes a threshold.
 */
export const quickCount: CountText = (text) => Math.ceil(Buffer.byteLength(text, 'utf8') / 3);

/** Estimates the input tokens of a Messages / count_tokens body: system, messages, tools. */
export function estimateInputTokens(body: Record<string, unknown>, count: CountText): number {
  let total = REQUEST_OVERHEAD_TOKENS + contentTokens(body.system, count);
  if (Array.isArray(body.messages)) {
    for (const message of body.messages) {
      if (message && typeof message === 'object') total += MESSAGE_OVERHEAD_TOKENS + contentTokens((message as Block).content, count);
    }
  }
  if (Array.isArray(body.tools)) {
    for (const tool of body.tools as Block[]) if (tool && typeof tool === 'object') total += toolTokens(tool, count);
  }
  return total;
}

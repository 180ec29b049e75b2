// Chat message content (a string or content parts) -> Anthropic content blocks; the blocks themselves are
// the shared ones (openai-common/content.ts).
import { invalidRequest } from '../../errors.ts';
import { fileBlock, imageBlock, textBlock, type ContentContext } from '../openai-common/content.ts';
import type { CacheControl, ContentBlock, TextBlock } from '../../wire/anthropic.ts';
import type { ChatCacheControl, ChatContent, ChatContentPart } from '../../wire/openai-chat.ts';

/** A client's cache_control as Anthropic takes it: a null ttl (OpenAI's "absent") is left out. */
export function anthropicCacheControl(cacheControl: ChatCacheControl): CacheControl | undefined {
  if (!cacheControl) return undefined;
  const { ttl, ...marker } = cacheControl;
  return typeof ttl === 'string' ? { ...marker, ttl } : marker;
}

/** One content part -> one block, or null when it carries nothing Anthropic would accept (empty text). */
export function partToBlock(part: ChatContentPart, param: string, context: ContentContext): ContentBlock | null {
  switch (part.type) {
    case 'text':
      if (typeof part.text !== 'string') throw invalidRequest(`'${param}.text' is required for a text part`, `${param}.text`);
      return textBlock(part.text, anthropicCacheControl(part.cache_control));
    case 'image_url': {
      const url = typeof part.image_url === 'string' ? part.image_url : part.image_url?.url;
      if (typeof url !== 'string') throw invalidRequest(`'${param}.image_url.url' is required for an image_url part`, `${param}.image_url.url`);
      return imageBlock(url, `${param}.image_url.url`, context, anthropicCacheControl(part.cache_control));
    }
    case 'file':
      return fileBlock(part.file ?? {}, `${param}.file`, context, anthropicCacheControl(part.cache_control));
    case 'input_audio':
      throw invalidRequest(`'${param}' is an input_audio part: audio input is not supported by this service`, param, 'unsupported_content');
    case 'refusal':
      // An earlier refusal the client echoes back; Anthropic has no such block.
      return null;
    default:
      throw invalidRequest(`'${param}.type' ${JSON.stringify(part.type)} is not a supported content part type`, `${param}.type`);
  }
}

/**
 * Message content -> blocks. A string becomes one text block; parts become blocks in order; empty text is
 * left out. A message-level cache_control marks the last block, as a part-level one would.
 */
export function contentBlocks(content: ChatContent, param: string, context: ContentContext, messageCacheControl?: ChatCacheControl): ContentBlock[] {
  const cacheControl = anthropicCacheControl(messageCacheControl);
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') {
    const block = textBlock(content, cacheControl);
    return block ? [block] : [];
  }
  const blocks: ContentBlock[] = [];
  for (let j = 0; j < content.length; j++) {
    const block = partToBlock(content[j], `${param}[${j}]`, context);
    if (block) blocks.push(block);
  }
  const last = blocks.at(-1);
  if (cacheControl && last && (last.type === 'text' || last.type === 'image' || last.type === 'document') && !last.cache_control) {
    last.cache_control = cacheControl;
  }
  return blocks;
}

/** Content that may only hold text (system, developer, assistant): other parts are a 400. */
export function textOnlyBlocks(content: ChatContent, param: string, messageCacheControl?: ChatCacheControl): TextBlock[] {
  const cacheControl = anthropicCacheControl(messageCacheControl);
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') {
    const block = textBlock(content, cacheControl);
    return block ? [block] : [];
  }
  const blocks: TextBlock[] = [];
  for (let j = 0; j < content.length; j++) {
    const part = content[j];
    if (part.type === 'refusal') continue;
    if (part.type !== 'text') throw invalidRequest(`'${param}[${j}].type' must be "text" in this message`, `${param}[${j}].type`);
    if (typeof part.text !== 'string') throw invalidRequest(`'${param}[${j}].text' is required for a text part`, `${param}[${j}].text`);
    const block = textBlock(part.text, anthropicCacheControl(part.cache_control));
    if (block) blocks.push(block);
  }
  const last = blocks.at(-1);
  if (cacheControl && last && !last.cache_control) last.cache_control = cacheControl;
  return blocks;
}

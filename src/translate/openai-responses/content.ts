// Responses message content (a string or content parts: input_text, input_image, input_file, ...) ->
// Anthropic content blocks; the blocks themselves are the shared ones (openai-common/content.ts).
import { invalidRequest } from '../../errors.ts';
import { fileBlock, imageBlock, textBlock, type ContentContext } from '../openai-common/content.ts';
import type { ContentBlock, TextBlock } from '../../wire/anthropic.ts';
import type { ContentPart } from '../../wire/openai-responses.ts';

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

export function contentBlocks(content: unknown, param: string, context: ContentContext): ContentBlock[] {
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

export function textOnly(blocks: ContentBlock[], param: string): TextBlock[] {
  for (let j = 0; j < blocks.length; j++) {
    if (blocks[j].type !== 'text') throw invalidRequest(`'${param}' may only hold text in a system, developer or assistant message`, param);
  }
  return blocks as TextBlock[];
}


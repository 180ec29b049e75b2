// The content both OpenAI surfaces share -> Anthropic content blocks: text, images and files (chat's
// image_url and file parts, the Responses API's input_image and input_file). Pure; `param` paths name the
// offending field in OpenAI's dotted form so a 400 tells the client exactly what to fix.
import { invalidRequest } from '../../errors.ts';
import type { CacheControl, DocumentBlock, ImageBlock, TextBlock } from '../../wire/anthropic.ts';

/** The image media types Anthropic accepts. */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** Receives facts the caller needs afterwards (an image makes the request a vision request). */
export interface ContentContext {
  hasImage: boolean;
}

/** A text block, or null for empty or whitespace-only text (Anthropic rejects those). */
export function textBlock(text: string, cacheControl?: CacheControl | null): TextBlock | null {
  if (text.trim() === '') return null;
  return cacheControl ? { type: 'text', text, cache_control: cacheControl } : { type: 'text', text };
}

interface DataUrl {
  mediaType: string;
  base64: boolean;
  data: string;
}

function parseDataUrl(url: string): DataUrl | null {
  const comma = url.indexOf(',');
  if (!url.startsWith('data:') || comma < 0) return null;
  const meta = url.slice(5, comma).split(';');
  return {
    mediaType: (meta[0] || 'text/plain').trim().toLowerCase(),
    base64: meta.slice(1).some((item) => item.trim().toLowerCase() === 'base64'),
    data: url.slice(comma + 1),
  };
}

function withCache<T extends ImageBlock | DocumentBlock>(block: T, cacheControl?: CacheControl | null): T {
  if (cacheControl) block.cache_control = cacheControl;
  return block;
}

/** An image or PDF from `image_url.url`: data URLs become base64 sources, http(s) URLs url sources. */
export function imageBlock(url: string, param: string, context: ContentContext, cacheControl?: CacheControl | null): ImageBlock | DocumentBlock {
  if (/^https?:\/\//i.test(url)) {
    context.hasImage = true;
    return withCache({ type: 'image', source: { type: 'url', url } }, cacheControl);
  }
  const parsed = parseDataUrl(url);
  if (!parsed) throw invalidRequest(`'${param}' must be an http(s) URL or a base64 data: URL`, param, 'invalid_image_url');
  if (!parsed.base64) throw invalidRequest(`'${param}' must be a base64 data: URL (data:<type>;base64,...)`, param, 'invalid_image_url');
  const mediaType = parsed.mediaType === 'image/jpg' ? 'image/jpeg' : parsed.mediaType;
  if (mediaType === 'application/pdf') {
    return withCache({ type: 'document', source: { type: 'base64', media_type: mediaType, data: parsed.data } }, cacheControl);
  }
  if (!IMAGE_TYPES.has(mediaType)) {
    throw invalidRequest(`'${param}' has media type ${JSON.stringify(parsed.mediaType)}; supported are image/jpeg, image/png, image/gif, image/webp and application/pdf`, param, 'unsupported_media_type');
  }
  context.hasImage = true;
  return withCache({ type: 'image', source: { type: 'base64', media_type: mediaType, data: parsed.data } }, cacheControl);
}

/** The fields of a file input: chat's `file` part object, or a Responses `input_file` part. */
export interface FileInput {
  file_data?: string | null;
  file_id?: string | null;
  filename?: string | null;
  file_url?: string | null;
}

/**
 * A file input: PDF and images as base64, plain text as a text source, an http(s) file_url as a url source.
 * `param` names the object that holds the fields (`messages[0].content[1].file`, `input[2].content[0]`).
 */
export function fileBlock(file: FileInput, param: string, context: ContentContext, cacheControl?: CacheControl | null): ImageBlock | DocumentBlock {
  const title = file.filename ? { title: file.filename } : {};
  if (typeof file.file_data === 'string') {
    const parsed = parseDataUrl(file.file_data);
    if (!parsed) throw invalidRequest(`'${param}.file_data' must be a data: URL (data:<type>;base64,...)`, `${param}.file_data`, 'invalid_file');
    if (parsed.mediaType.startsWith('image/')) return imageBlock(file.file_data, `${param}.file_data`, context, cacheControl);
    if (parsed.mediaType === 'text/plain') {
      const text = parsed.base64 ? Buffer.from(parsed.data, 'base64').toString('utf8') : decodeURIComponent(parsed.data);
      return withCache({ type: 'document', source: { type: 'text', media_type: 'text/plain', data: text }, ...title }, cacheControl);
    }
    if (parsed.mediaType === 'application/pdf' && parsed.base64) {
      return withCache({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: parsed.data }, ...title }, cacheControl);
    }
    throw invalidRequest(`'${param}.file_data' has media type ${JSON.stringify(parsed.mediaType)}; supported are base64 application/pdf, text/plain and images`, `${param}.file_data`, 'unsupported_media_type');
  }
  if (typeof file.file_url === 'string' && /^https?:\/\//i.test(file.file_url)) {
    return withCache({ type: 'document', source: { type: 'url', url: file.file_url }, ...title }, cacheControl);
  }
  if (typeof file.file_id === 'string') {
    throw invalidRequest(`'${param}.file_id' is not supported (the upstream has no files API); send the file inline as file_data`, `${param}.file_id`, 'unsupported_file_id');
  }
  throw invalidRequest(`'${param}' needs file_data (a data: URL)`, param, 'invalid_file');
}


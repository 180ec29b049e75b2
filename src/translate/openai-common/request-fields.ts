// The request fields chat completions and the Responses API name alike (sampling, stop, the end user,
// stream), as the Anthropic body takes them: one place, so the surfaces cannot map them differently.
import type { AnthropicBodyParts } from '../anthropic/request.ts';
import { endUserIds, type EndUserFields } from './end-user.ts';

export interface SharedRequestFields extends EndUserFields {
  stop?: readonly unknown[] | string | null;
  temperature?: number | null;
  top_p?: number | null;
  /** Not an OpenAI field: Anthropic's top_k, which clients of OpenAI-compatible services send. */
  top_k?: number | null;
  stream?: boolean | null;
}

export function sharedBodyParts(request: SharedRequestFields): Pick<AnthropicBodyParts, 'stop' | 'temperature' | 'topP' | 'topK' | 'users' | 'stream'> {
  return {
    stop: request.stop,
    temperature: request.temperature,
    topP: request.top_p,
    topK: request.top_k,
    users: endUserIds(request),
    stream: request.stream === true,
  };
}

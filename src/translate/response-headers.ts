// Upstream response headers an OpenAI client can use: request-id, retry-after(-ms) and the
// anthropic-ratelimit-* headers as they are, plus the rate limits under OpenAI's x-ratelimit-* names.
import { relayedResponseHeaders } from '../upstream/headers.ts';

type UpstreamHeaders = Record<string, string | string[] | undefined>;

const PREFIX = 'anthropic-ratelimit-';

/**
 * `anthropic-ratelimit-<resource>-<limit|remaining|reset>` -> `x-ratelimit-<limit|remaining|reset>-<resource>`
 * (resource: requests, tokens, input-tokens, output-tokens). Reset values stay RFC 3339 timestamps.
 */
export function openAIRateLimitName(name: string): string | null {
  if (!name.startsWith(PREFIX)) return null;
  const match = /^(.+)-(limit|remaining|reset)$/.exec(name.slice(PREFIX.length));
  return match ? `x-ratelimit-${match[2]}-${match[1]}` : null;
}

export function openAIResponseHeaders(upstream: UpstreamHeaders): Record<string, string> {
  const headers = relayedResponseHeaders(upstream);
  for (const name of Object.keys(headers)) {
    const alias = openAIRateLimitName(name);
    if (alias) headers[alias] = headers[name];
  }
  return headers;
}

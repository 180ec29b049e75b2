// The upstream response headers an OpenAI client gets: the relayed ones (request-id, retry-after(-ms),
// anthropic-ratelimit-*) as they are, plus the rate limits under OpenAI's x-ratelimit-* names.

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

/** `relayed`: what upstream/response-headers.ts lets through; returns a copy with the OpenAI names added. */
export function openAIResponseHeaders(relayed: Readonly<Record<string, string>>): Record<string, string> {
  const headers = { ...relayed };
  for (const name of Object.keys(relayed)) {
    const alias = openAIRateLimitName(name);
    if (alias) headers[alias] = relayed[name];
  }
  return headers;
}

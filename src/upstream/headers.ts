// Key and header rules for every upstream call (passthrough, count_tokens, translated chat completions).
// Pure: the client's headers and the config in, the upstream headers out.
import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from '../config.ts';

export type KeySource = 'client-x-api-key' | 'client-bearer' | 'server' | 'none';

export interface UpstreamKey {
  key: string | null;
  source: KeySource;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text.trim() === '' ? undefined : text.trim();
}

/** The key a client presented, from x-api-key or else `Authorization: Bearer K`. */
export function clientKeyOf(headers: IncomingHttpHeaders): { key: string; source: 'client-x-api-key' | 'client-bearer' } | null {
  const apiKey = headerValue(headers, 'x-api-key');
  if (apiKey) return { key: apiKey, source: 'client-x-api-key' };
  const authorization = headerValue(headers, 'authorization');
  const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  return bearer ? { key: bearer, source: 'client-bearer' } : null;
}

/**
 * Which key goes upstream: the client's (when FORWARD_CLIENT_KEY and no inbound auth, where the client's
 * key is a proxy key), else SERVER_API_KEY, else none (the upstream then answers 401).
 */
export function upstreamKeyFor(headers: IncomingHttpHeaders, config: Config): UpstreamKey {
  const inboundAuth = config.proxyApiKeys.length > 0;
  if (config.forwardClientKey && !inboundAuth) {
    const client = clientKeyOf(headers);
    if (client) return client;
  }
  if (config.serverApiKey) return { key: config.serverApiKey, source: 'server' };
  return { key: null, source: 'none' };
}

// Client headers that may travel upstream as they are. Everything else (hop-by-hop headers, host,
// content-length, cookies, the client's own auth headers) is dropped or rebuilt.
const FORWARDED_PREFIXES = ['anthropic-', 'x-stainless-'];
const FORWARDED_NAMES = new Set(['user-agent', 'accept-language']);
const REBUILT = new Set(['anthropic-version', 'anthropic-beta']);

export interface UpstreamHeaderOptions {
  requestId?: string;
  /** Whether to copy the client's anthropic-* and SDK headers (true for the passthrough). */
  forwardClientHeaders?: boolean;
}

export function upstreamHeadersFor(
  clientHeaders: IncomingHttpHeaders,
  config: Config,
  options: UpstreamHeaderOptions = {},
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (options.forwardClientHeaders ?? true) {
    for (const [name, value] of Object.entries(clientHeaders)) {
      if (value === undefined || REBUILT.has(name)) continue;
      if (FORWARDED_NAMES.has(name) || FORWARDED_PREFIXES.some((prefix) => name.startsWith(prefix))) {
        headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
    }
  }
  headers['content-type'] = 'application/json';
  headers['anthropic-version'] = headerValue(clientHeaders, 'anthropic-version') ?? config.anthropicVersion;
  const beta = headerValue(clientHeaders, 'anthropic-beta') ?? (config.forceAnthropicBeta && config.defaultAnthropicBeta ? config.defaultAnthropicBeta : undefined);
  if (beta) headers['anthropic-beta'] = beta;
  const { key } = upstreamKeyFor(clientHeaders, config);
  if (key) headers['x-api-key'] = key;
  if (options.requestId) headers['x-request-id'] = options.requestId;
  return headers;
}

/** Upstream response headers a client relies on, relayed unchanged. */
export function relayedResponseHeaders(upstream: Record<string, string | string[] | undefined>): Record<string, string> {
  const relayed: Record<string, string> = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined) continue;
    if (name === 'request-id' || name === 'retry-after' || name === 'retry-after-ms' || name.startsWith('anthropic-ratelimit-')) {
      relayed[name] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  return relayed;
}

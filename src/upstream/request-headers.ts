// The headers of every upstream call (passthrough, count_tokens, translated routes). Pure: the client's
// headers, the target and its chosen key in, the upstream headers out.
import type { IncomingHttpHeaders } from 'node:http';
import { upstreamKeyFor } from './client-key.ts';
import { headerValue } from './header-value.ts';
import type { UpstreamTarget } from '../routing.ts';

// Client headers that may travel upstream as they are. Everything else (hop-by-hop headers, host,
// content-length, cookies, the client's own auth headers) is dropped or rebuilt.
const FORWARDED_PREFIXES = ['anthropic-', 'x-stainless-'];
const FORWARDED_NAMES = new Set(['user-agent', 'accept-language']);
const REBUILT = new Set(['anthropic-version', 'anthropic-beta']);

/** A header the client set to something other than blanks. */
function given(headers: IncomingHttpHeaders, name: string): string | undefined {
  return headerValue(headers, name)?.trim() || undefined;
}

interface UpstreamHeaderOptions {
  /** The key that goes upstream as x-api-key, or null for none; default: the target's key rule (client-key.ts). */
  key?: string | null;
  /** Sent as x-request-id, so the upstream's logs can be matched with ours. */
  requestId?: string;
}

export function upstreamHeadersFor(clientHeaders: IncomingHttpHeaders, target: UpstreamTarget, options: UpstreamHeaderOptions = {}): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(clientHeaders)) {
    if (value === undefined || REBUILT.has(name)) continue;
    if (FORWARDED_NAMES.has(name) || FORWARDED_PREFIXES.some((prefix) => name.startsWith(prefix))) {
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  Object.assign(headers, target.extraHeaders);
  headers['content-type'] = 'application/json';
  headers['anthropic-version'] = given(clientHeaders, 'anthropic-version') ?? target.anthropicVersion;
  const beta = given(clientHeaders, 'anthropic-beta') ?? target.defaultBeta;
  if (beta) headers['anthropic-beta'] = beta;
  const key = options.key === undefined ? upstreamKeyFor(clientHeaders, target).key : options.key;
  if (key) headers['x-api-key'] = key;
  if (options.requestId) headers['x-request-id'] = options.requestId;
  return headers;
}

// Which key a client presented, and which key goes upstream. Pure: the client's headers and the config in.
import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from '../config.ts';
import { headerValue } from './header-value.ts';

export type KeySource = 'client-x-api-key' | 'client-bearer' | 'server' | 'none';

export interface UpstreamKey {
  key: string | null;
  source: KeySource;
}

/** The key a client presented, from x-api-key or else `Authorization: Bearer K`. */
export function clientKeyOf(headers: IncomingHttpHeaders): { key: string; source: 'client-x-api-key' | 'client-bearer' } | null {
  const apiKey = headerValue(headers, 'x-api-key')?.trim();
  if (apiKey) return { key: apiKey, source: 'client-x-api-key' };
  const bearer = headerValue(headers, 'authorization')?.trim().match(/^Bearer\s+(\S+)$/i)?.[1];
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

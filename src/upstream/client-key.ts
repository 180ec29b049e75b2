// Which key a client presented, and which key goes upstream. Pure: the client's headers and the target in.
import type { IncomingHttpHeaders } from 'node:http';
import { headerValue } from './header-value.ts';
import type { UpstreamKey, UpstreamTarget } from '../routing.ts';

type KeySource = 'client-x-api-key' | 'client-bearer' | 'server' | 'none';

export interface ChosenKey {
  key: string | null;
  source: KeySource;
  /** The service key's name (for logs and metrics), when the key is one of the target's. */
  name?: string;
}

/** The key a client presented, from x-api-key or else `Authorization: Bearer K`. */
export function clientKeyOf(headers: IncomingHttpHeaders): { key: string; source: 'client-x-api-key' | 'client-bearer' } | null {
  const apiKey = headerValue(headers, 'x-api-key')?.trim();
  if (apiKey) return { key: apiKey, source: 'client-x-api-key' };
  const bearer = headerValue(headers, 'authorization')?.trim().match(/^Bearer\s+(\S+)$/i)?.[1];
  return bearer ? { key: bearer, source: 'client-bearer' } : null;
}

/**
 * Which key goes upstream: the client's (when the target forwards it), else the service's key given (the
 * target's first one by default), else none (the upstream then answers 401).
 */
export function upstreamKeyFor(headers: IncomingHttpHeaders, target: UpstreamTarget, serviceKey: UpstreamKey | undefined = target.keys[0]): ChosenKey {
  if (target.forwardClientKey) {
    const client = clientKeyOf(headers);
    if (client) return client;
  }
  if (serviceKey) return { key: serviceKey.value, source: 'server', name: serviceKey.name };
  return { key: null, source: 'none' };
}

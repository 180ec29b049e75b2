// Inbound auth. With PROXY_API_KEYS or client_keys (configuration file) set, every request whose route policy
// asks for a key (the API routes, and /metrics with METRICS_REQUIRE_AUTH) must present one of them, as
// `Authorization: Bearer K` or `x-api-key: K`. Keys are compared through SHA-256 digests with
// timingSafeEqual, over every configured key, so timing says nothing about them. A client key that has
// expired is a 401; its name (never the key) is the request's `clientKey`, which the limits, the usage and
// the access line read. The administration routes want the admin_key, and a client key there is a 403.
// A browser's CORS preflight carries no credentials: it matches @fastify/cors's own route, which is open
// (and that plugin answers it before this hook runs).
import { createHash, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { ClientKey } from '../client-keys.ts';
import { ProxyError } from '../errors.ts';
import { clientKeyOf } from '../upstream/client-key.ts';
import { sendError } from './error-handler.ts';
import { policyOf } from './route-policy.ts';

const digest = (key: string) => createHash('sha256').update(key).digest();

export function keyMatcher(keys: readonly string[]): (presented: string | null) => boolean {
  const find = keyFinder(keys.map((key) => ({ digest: digest(key), value: true as const })));
  return (presented) => find(presented) !== null;
}

/** The entry whose digest is the presented key's, every entry compared in constant time. */
function keyFinder<T>(entries: ReadonlyArray<{ digest: Buffer; value: T }>): (presented: string | null) => T | null {
  return (presented) => {
    const candidate = digest(presented ?? '');
    let found: T | null = null;
    for (const entry of entries) if (timingSafeEqual(entry.digest, candidate)) found = entry.value;
    return presented === null ? null : found;
  };
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Who presented a key: a PROXY_API_KEYS key (no limits), a client key, or the admin key. */
type Caller = { kind: 'proxy' } | { kind: 'client'; key: ClientKey } | { kind: 'admin' };

export const authPlugin = fp(
  async (app: FastifyInstance) => {
    const config = app.config;
    const { clientKeys, adminKey } = config.access;
    app.decorateRequest('clientKey', null);
    const apiKeyed = config.proxyApiKeys.length > 0 || clientKeys.length > 0;
    if (!apiKeyed && config.serverApiKey && !isLoopbackHost(config.host)) {
      app.log.warn(
        { host: config.host },
        'SERVER_API_KEY is set and PROXY_API_KEYS is not: anyone who can reach this port spends that key. Set PROXY_API_KEYS or listen on 127.0.0.1.',
      );
    }
    const find = keyFinder<Caller>([
      ...config.proxyApiKeys.map((key) => ({ digest: digest(key), value: { kind: 'proxy' } as Caller })),
      ...clientKeys.map((key) => ({ digest: Buffer.from(key.sha256, 'hex'), value: { kind: 'client', key } as Caller })),
      ...(adminKey === null ? [] : [{ digest: digest(adminKey), value: { kind: 'admin' } as Caller }]),
    ]);
    const which = clientKeys.length === 0 ? 'one of PROXY_API_KEYS' : 'your API key';
    const invalid = () => new ProxyError('invalid_api_key', `Missing or invalid proxy API key: send ${which} as "Authorization: Bearer <key>" or "x-api-key: <key>"`);
    app.addHook('onRequest', (request, reply, done) => {
      const { auth } = policyOf(request);
      if (auth === 'none' || (auth === 'metrics' && !config.metricsRequireAuth) || (auth !== 'admin' && !apiKeyed)) {
        done();
        return;
      }
      const caller = find(clientKeyOf(request.headers)?.key ?? null);
      if (auth === 'admin') {
        if (caller?.kind === 'admin') done();
        else if (caller !== null) sendError(request, reply, new ProxyError('admin_key_required', 'This route wants the admin_key; an API key cannot use it'));
        else sendError(request, reply, new ProxyError('invalid_api_key', adminKey === null ? 'No admin_key is configured: the administration API is off' : 'Missing or invalid admin key'));
        return;
      }
      if (caller === null || caller.kind === 'admin') {
        sendError(request, reply, invalid());
        return;
      }
      if (caller.kind === 'client') {
        if (caller.key.expiresAt !== null && Date.now() >= caller.key.expiresAt) {
          sendError(request, reply, new ProxyError('invalid_api_key', `The API key "${caller.key.name}" expired at ${new Date(caller.key.expiresAt).toISOString()}`));
          return;
        }
        request.clientKey = caller.key;
      }
      done();
    });
  },
  { name: 'auth', fastify: '5.x', dependencies: ['route-policy', 'error-handler'], decorators: { fastify: ['config'] } },
);

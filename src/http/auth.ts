// Inbound auth: with PROXY_API_KEYS set, every request whose route policy asks for a key (the API routes,
// and /metrics with METRICS_REQUIRE_AUTH) must present one of the keys, as `Authorization: Bearer K` or
// `x-api-key: K`. Keys are compared through SHA-256 digests with timingSafeEqual, over every configured
// key, so timing says nothing about them. A browser's CORS preflight carries no credentials: it matches
// @fastify/cors's own route, which is open (and that plugin answers it before this hook runs).
import { createHash, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { ProxyError } from '../errors.ts';
import { clientKeyOf } from '../upstream/client-key.ts';
import { sendError } from './error-handler.ts';
import { policyOf } from './route-policy.ts';

const digest = (key: string) => createHash('sha256').update(key).digest();

export function keyMatcher(keys: readonly string[]): (presented: string | null) => boolean {
  const digests = keys.map(digest);
  return (presented) => {
    const candidate = digest(presented ?? '');
    let matched = false;
    for (const known of digests) matched = timingSafeEqual(known, candidate) || matched;
    return matched && presented !== null;
  };
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export const authPlugin = fp(
  async (app: FastifyInstance) => {
    const config = app.config;
    if (config.proxyApiKeys.length === 0) {
      if (config.serverApiKey && !isLoopbackHost(config.host)) {
        app.log.warn(
          { host: config.host },
          'SERVER_API_KEY is set and PROXY_API_KEYS is not: anyone who can reach this port spends that key. Set PROXY_API_KEYS or listen on 127.0.0.1.',
        );
      }
      return;
    }
    const matches = keyMatcher(config.proxyApiKeys);
    app.addHook('onRequest', (request, reply, done) => {
      const { auth } = policyOf(request);
      const keyed = auth === 'api' || (auth === 'metrics' && config.metricsRequireAuth);
      if (!keyed || matches(clientKeyOf(request.headers)?.key ?? null)) {
        done();
        return;
      }
      sendError(request, reply, new ProxyError('invalid_api_key', 'Missing or invalid proxy API key: send one of PROXY_API_KEYS as "Authorization: Bearer <key>" or "x-api-key: <key>"'));
    });
  },
  { name: 'auth', fastify: '5.x', dependencies: ['route-policy', 'error-handler'], decorators: { fastify: ['config'] } },
);

// What a route wants from the service's request hooks, declared on the route itself
// (`config: { policy: OPENAI_API }`) and read through policyOf (once per request) by every hook that decides
// something: the error shape (error handler), the inbound key (auth), the drain (lifecycle) and load shedding.
// Nothing decides by URL prefix, except the one default for requests no route declared a policy for.
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiFamily } from '../errors.ts';

export interface RoutePolicy {
  /** The wire shape of its errors, and of the final error event of its streams. */
  readonly family: ApiFamily;
  /**
   * With PROXY_API_KEYS or client keys set: a key is required (`api`), only when METRICS_REQUIRE_AUTH is on
   * (`metrics`), or never; `admin`: the admin_key, always.
   */
  readonly auth: 'api' | 'metrics' | 'admin' | 'none';
  /** Refused with 503 once a drain starts, and counted in flight (the drain waits for it) until answered. */
  readonly drain: boolean;
  /** Shed with 503 while the event loop is late (MAX_EVENT_LOOP_DELAY_MS). */
  readonly shed: boolean;
}

/** The OpenAI-compatible API: keyed, drained, shed, OpenAI errors. */
export const OPENAI_API: RoutePolicy = Object.freeze({ family: 'openai', auth: 'api', drain: true, shed: true });
/** The Anthropic-native passthrough: the same, with Anthropic errors. */
export const ANTHROPIC_API: RoutePolicy = Object.freeze({ family: 'anthropic', auth: 'api', drain: true, shed: true });
/**
 * Probes (/, /healthz, /readyz) and the documentation (/docs, /openapi.json): no key, answered during a drain
 * and under load. They never call the upstream and cost little; an orchestrator must see a live, busy
 * process, and the API's documentation is public anyway (a browser cannot send a key to /docs).
 */
export const OPEN: RoutePolicy = Object.freeze({ family: 'openai', auth: 'none', drain: false, shed: false });
/** /metrics: like the probes, but keyed when METRICS_REQUIRE_AUTH is on. */
export const METRICS: RoutePolicy = Object.freeze({ family: 'openai', auth: 'metrics', drain: false, shed: false });

/** The administration API (/admin/usage): the admin_key, OpenAI-shaped errors, answered during a drain. */
export const ADMIN: RoutePolicy = Object.freeze({ family: 'openai', auth: 'admin', drain: false, shed: false });

const ANTHROPIC_PREFIX = '/v1/messages';
const OPEN_ANTHROPIC: RoutePolicy = Object.freeze({ ...OPEN, family: 'anthropic' });

/**
 * For a request that matched no route (a 404, a URL the router refused) or one whose route declared no
 * policy (a plugin's own route, such as @fastify/cors's preflight route): open, since there is nothing behind
 * it to protect or to wait for, with the errors of the API whose paths it falls under, so that an Anthropic
 * client gets its own shape for a mistyped /v1/messages path.
 */
export function defaultPolicy(path: string): RoutePolicy {
  return path.startsWith(ANTHROPIC_PREFIX) ? OPEN_ANTHROPIC : OPEN;
}

/**
 * What the hooks need from the matched route, read once per request: `request.routeOptions` builds a new
 * object on every read, and a request is asked about by several hooks (policy, access line, metrics).
 */
function resolveRoute(request: FastifyRequest): RoutePolicy {
  const { url, config } = request.routeOptions;
  request.routeUrl = url ?? null;
  request.policy = config?.policy ?? defaultPolicy(url ?? decodedPathOf(request));
  return request.policy;
}

/**
 * The path a request without a route is routed by: the percent-decoded path, never the raw URL (the router
 * decodes `/%761/models` to `/v1/models`, so a check on the raw text could be walked around).
 */
function decodedPathOf(request: FastifyRequest): string {
  const raw = request.url.split('?', 1)[0];
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** The request's policy: its route's, else the default for its path. */
export function policyOf(request: FastifyRequest): RoutePolicy {
  // Undefined rather than null on a request the router refused: the decoration is not there yet.
  return request.policy ?? resolveRoute(request);
}

/** The matched route's pattern (`/v1/models/*`), or null for a request no route matched. */
export function routeUrlOf(request: FastifyRequest): string | null {
  if (!request.policy) resolveRoute(request);
  return request.routeUrl;
}

export const routePolicyPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('policy', null);
    app.decorateRequest('routeUrl', null);
  },
  { name: 'route-policy', fastify: '5.x' },
);

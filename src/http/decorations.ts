// Fastify declaration merging for what buildApp decorates; one place so every module sees the same shape.
import type { ClientKey } from '../client-keys.ts';
import type { Config } from '../config.ts';
import type { LogHealth } from './log-health.ts';
import type { BodyBudget } from './body-budget.ts';
import type { ClientCall, ClientStores } from './client-limits.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Metrics } from './metrics.ts';
import type { RoutePolicy } from './route-policy.ts';
import type { UpstreamDirectory } from '../upstream/directory.ts';
import type { CallRecord } from './upstream-call.ts';
import type { RequestTrace } from './tracing.ts';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    lifecycle: Lifecycle;
    upstreams: UpstreamDirectory;
    metrics: Metrics;
    /** The log destinations' state, when the logger came from createLogger. */
    logHealth: LogHealth | null;
    bodyBudget: BodyBudget;
    /** The client limits and usage records (client-limits.ts). */
    clientStores: ClientStores;
  }
  interface FastifyRequest {
    /** The request's upstream call (upstream-call.ts), read by the access line and the metrics. */
    callRecord: CallRecord | null;
    /** The client key the request presented (auth.ts); null for PROXY_API_KEYS or no auth. */
    clientKey: ClientKey | null;
    /** Its part in the client limits and usage, once admitted (client-limits.ts). */
    clientCall: ClientCall | null;
    /** The request body's bytes, on routes that forward them unchanged. */
    rawBody: Buffer | null;
    /** Set by policyOf / routeUrlOf (route-policy.ts) on first use, with routeUrl. */
    policy: RoutePolicy | null;
    routeUrl: string | null;
    /** The request's server span (tracing.ts); null while tracing is off. */
    requestTrace: RequestTrace | null;
  }
  interface FastifyContextConfig {
    /** What the hooks do with the route's requests (route-policy.ts); every route of ours declares one. */
    policy?: RoutePolicy;
  }
}

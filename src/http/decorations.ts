// Fastify declaration merging for what buildApp decorates; one place so every module sees the same shape.
import type { Config } from '../config.ts';
import type { LogHealth } from './log-health.ts';
import type { BodyBudget } from './body-budget.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Metrics } from './metrics.ts';
import type { RoutePolicy } from './route-policy.ts';
import type { UpstreamClient } from '../upstream/client.ts';

/** What a proxied request adds to its access log line. Written by the routes, read only by that line. */
export interface ProxyLogInfo {
  model?: string;
  upstreamStatus?: number;
  stream?: boolean;
  /** The OpenAI fields the upstream model could not take (on the access line at debug level). */
  dropped?: readonly string[];
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    lifecycle: Lifecycle;
    upstream: UpstreamClient;
    metrics: Metrics;
    /** The log destinations' state, when the logger came from createLogger. */
    logHealth: LogHealth | null;
    bodyBudget: BodyBudget;
  }
  interface FastifyRequest {
    proxyLog: ProxyLogInfo | null;
    /** The request body's bytes, on routes that forward them unchanged. */
    rawBody: Buffer | null;
    /** Set by policyOf / routeUrlOf (route-policy.ts) on first use, with routeUrl. */
    policy: RoutePolicy | null;
    routeUrl: string | null;
  }
  interface FastifyContextConfig {
    /** What the hooks do with the route's requests (route-policy.ts); every route of ours declares one. */
    policy?: RoutePolicy;
  }
}

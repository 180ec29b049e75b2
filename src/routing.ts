// The upstreams and model routes as configured. An upstream target is everything the upstream client needs to
// reach one Anthropic-protocol endpoint (where it is, which keys go with a request, how long to wait, how much
// to send at once, which dialect it speaks); the routes say which targets serve a public model name. Built
// from the environment (one target named default) or the configuration file; the client never reads Config.
import type { Config, PromptCacheMode } from './config.ts';
import { providerFromBaseUrl, type ProviderName } from './wire/provider.ts';

/** A key the service holds for a target; its name (never the key) appears in logs, metrics and records. */
export interface UpstreamKey {
  readonly name: string;
  readonly value: string;
  /** Requests this key may have in flight at once (a z.ai Coding Plan allows one or two); none = unbounded. */
  readonly maxInFlight?: number;
}

/** Prompt-cache settings of the configuration file (`prompt_cache`); what is absent comes from the level above. */
export interface PromptCacheOverride {
  readonly mode?: PromptCacheMode;
  readonly ttl?: '5m' | '1h';
}

export interface UpstreamTimeouts {
  readonly connectMs: number;
  /** From sending the request to the response headers. */
  readonly headersMs: number;
  /** Silence allowed between two chunks of an answer. */
  readonly streamIdleMs: number;
  /** One exchange in all, streams included. */
  readonly totalMs: number;
  /** Where each is set (an environment variable, a path in the configuration file), for error messages. */
  readonly settings: { readonly connect: string; readonly headers: string; readonly streamIdle: string; readonly total: string };
}

export interface UpstreamTarget {
  /** `default` for the environment-only configuration. */
  readonly name: string;
  /** http(s) URL; request paths go below its path. */
  readonly baseUrl: string;
  /** The provider dialect (capability profile) it speaks: anthropic, zai, moonshot, ..., generic. */
  readonly profile: ProviderName;
  /** The service's keys, tried in order; empty = the client's key or none. */
  readonly keys: readonly UpstreamKey[];
  /** The key a client presented travels upstream (instead of the service's keys). */
  readonly forwardClientKey: boolean;
  readonly timeouts: UpstreamTimeouts;
  /** Retries of connection failures and 429/503/529 on this target, before any byte reached the client. */
  readonly maxRetries: number;
  /** Upstream requests in flight at once (the connection pool's size). */
  readonly maxConcurrent: number;
  /** Header rules: the anthropic-version sent when the client sends none; a beta sent when the client sends none. */
  readonly anthropicVersion: string;
  readonly defaultBeta: string | null;
  /** Headers added to every request to this target. */
  readonly extraHeaders: Readonly<Record<string, string>>;
  /** When every key is at its maximum in flight, a request waits this long at most, behind this many others. */
  readonly queue: { readonly maxWaitMs: number; readonly maxLength: number };
  /** Overrides PROMPT_CACHE / PROMPT_CACHE_TTL for requests to this target. */
  readonly promptCache?: PromptCacheOverride;
}

/** One way to serve a public model name: a target and the model id it knows the model by. */
export interface ModelRoute {
  readonly upstream: string;
  readonly model: string;
  /** Lower is tried first; default: the route's position in its list. */
  readonly priority: number;
  /** Routes of one priority share load by weight (default 1). */
  readonly weight: number;
  /** Capability overrides for this model on this upstream (the capability profiles read them). */
  readonly capabilities?: Readonly<Record<string, unknown>>;
  /** Overrides the target's prompt-cache settings for this model. */
  readonly promptCache?: PromptCacheOverride;
}

/** The upstreams and the model routes: from the configuration file, or the environment's one target. */
export interface RoutingTable {
  /** In the file's order; at least one. */
  readonly targets: readonly UpstreamTarget[];
  /** Public model name -> routes. A model not listed goes to the first target under its own name. */
  readonly models: Readonly<Record<string, readonly ModelRoute[]>>;
}

export const DEFAULT_QUEUE = { maxWaitMs: 30_000, maxLength: 1000 } as const;

/** The one target of an environment-only configuration (UPSTREAM_BASE, SERVER_API_KEY and the timeouts). */
export function environmentTarget(config: Config): UpstreamTarget {
  return {
    name: 'default',
    baseUrl: config.upstreamBase,
    profile: config.upstreamProfile ?? providerFromBaseUrl(config.upstreamBase),
    keys: config.serverApiKey ? [{ name: 'server', value: config.serverApiKey }] : [],
    // With inbound auth (PROXY_API_KEYS) the client's key is a proxy key: it never goes upstream.
    forwardClientKey: config.forwardClientKey && config.proxyApiKeys.length === 0,
    timeouts: {
      connectMs: config.upstreamConnectTimeoutMs,
      headersMs: config.upstreamHeadersTimeoutMs,
      streamIdleMs: config.streamIdleTimeoutMs,
      totalMs: config.upstreamTimeoutMs,
      settings: { connect: 'UPSTREAM_CONNECT_TIMEOUT_MS', headers: 'UPSTREAM_HEADERS_TIMEOUT_MS', streamIdle: 'STREAM_IDLE_TIMEOUT_MS', total: 'UPSTREAM_TIMEOUT_MS' },
    },
    maxRetries: config.maxRetries,
    maxConcurrent: config.maxConcurrentUpstream,
    anthropicVersion: config.anthropicVersion,
    defaultBeta: config.forceAnthropicBeta && config.defaultAnthropicBeta ? config.defaultAnthropicBeta : null,
    extraHeaders: {},
    queue: DEFAULT_QUEUE,
  };
}

/** The routing of an environment-only configuration: one target, every model to it unchanged. */
export function environmentRouting(config: Config): RoutingTable {
  return { targets: [environmentTarget(config)], models: {} };
}

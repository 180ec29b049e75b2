// An upstream target: everything the upstream client needs to reach one Anthropic-protocol endpoint (where it
// is, which key goes with a request, how long to wait, how much to send at once, which dialect it speaks).
// Built from the configuration; the client never reads the whole Config.
import type { Config } from '../config.ts';

/** A key the service holds for a target; its name (never the key) appears in logs, metrics and records. */
export interface UpstreamKey {
  readonly name: string;
  readonly value: string;
  /** Requests this key may have in flight at once (a z.ai Coding Plan allows one or two); none = unbounded. */
  readonly maxInFlight?: number;
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
  readonly profile: string;
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
}

/** The provider dialect a base URL's host speaks, for a configuration that names none. */
export function profileForBaseUrl(baseUrl: string): string {
  const host = new URL(baseUrl).hostname;
  const known: Array<[RegExp, string]> = [
    [/(^|\.)anthropic\.com$/, 'anthropic'],
    [/(^|\.)(z\.ai|bigmodel\.cn)$/, 'zai'],
    [/(^|\.)moonshot\.(ai|cn)$/, 'moonshot'],
    [/(^|\.)deepseek\.com$/, 'deepseek'],
    [/(^|\.)(minimax\.io|minimaxi\.com)$/, 'minimax'],
    [/(^|\.)(aliyuncs\.com|dashscope[\w.-]*)$/, 'qwen'],
    [/(^|\.)openrouter\.ai$/, 'openrouter'],
  ];
  return known.find(([pattern]) => pattern.test(host))?.[1] ?? 'generic';
}

/** The one target of an environment-only configuration (UPSTREAM_BASE, SERVER_API_KEY and the timeouts). */
export function environmentTarget(config: Config): UpstreamTarget {
  return {
    name: 'default',
    baseUrl: config.upstreamBase,
    profile: profileForBaseUrl(config.upstreamBase),
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
  };
}

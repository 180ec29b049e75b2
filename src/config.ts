// The only module that reads process.env, .env and the configuration file. Everything else receives a frozen Config.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import envSchema from 'env-schema';
import { isProviderName, PROVIDER_NAMES, type ProviderName } from './wire/provider.ts';
import { ConfigFileError, referencedVariables, settingsFromFile } from './config-file.ts';
import { NO_CLIENT_ACCESS, type ClientAccess } from './client-keys.ts';
import { environmentRouting, type RoutingTable } from './routing.ts';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  readonly serverApiKey: string;
  readonly forwardClientKey: boolean;
  readonly forwardCountToUpstream: boolean;
  readonly upstreamBase: string;
  /** The upstream's dialect (src/profiles); null = chosen from UPSTREAM_BASE's host. */
  readonly upstreamProfile: ProviderName | null;
  readonly modelMap: Readonly<Record<string, string>>;
  readonly openaiModels: readonly string[];
  readonly autoTextModel: string;
  readonly autoVisionModel: string;
  readonly forceAnthropicBeta: boolean;
  readonly defaultAnthropicBeta: string;
  readonly countShapeCompat: boolean;
  readonly host: string;
  readonly port: number;
  readonly logLevel: LogLevel;
  readonly logDir: string;
  readonly anthropicVersion: string;
  readonly defaultMaxTokens: number;
  /** Budgets for reasoning_effort -> thinking.budget_tokens. */
  readonly reasoningBudgets: Readonly<{ minimal: number; low: number; medium: number; high: number }>;
  readonly upstreamConnectTimeoutMs: number;
  readonly upstreamHeadersTimeoutMs: number;
  readonly streamIdleTimeoutMs: number;
  /** Total time one upstream request may take, streams included. */
  readonly upstreamTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  readonly bodyLimitBytes: number;
  /** Time a client has to send its request headers (Node's headersTimeout). */
  readonly clientHeadersTimeoutMs: number;
  /** Time a client has to send its whole request, body included (Node's requestTimeout); answers are not bounded by it. */
  readonly clientRequestTimeoutMs: number;
  /** Client connections held at once; beyond it new ones are closed at once. */
  readonly maxConnections: number;
  /** Request body bytes held at once, all requests together; beyond it 503 with retry-after. */
  readonly maxBodyBytesInFlight: number;
  readonly maxRetries: number;
  readonly maxConcurrentUpstream: number;
  /** Event-loop delay above which API requests get 503 (0 = off). */
  readonly maxEventLoopDelayMs: number;
  readonly proxyApiKeys: readonly string[];
  readonly metricsRequireAuth: boolean;
  readonly corsOrigins: readonly string[];
  /** Bound of the in-process Responses store, in bytes. */
  readonly responsesStoreMaxBytes: number;
  /** How long a stored response lives, in milliseconds. */
  readonly responsesStoreTtlMs: number;
  /** `web_search` tools of /v1/responses become Anthropic's server web-search tool. */
  readonly responsesWebSearch: boolean;
  /** redis:// or rediss:// URL of the shared Responses store; empty = the in-process store. */
  readonly responsesStoreUrl: string;
  /** Bound of every command to the shared store (and of each connection attempt). */
  readonly responsesStoreTimeoutMs: number;
  /**
   * Prompt-cache breakpoints on translated requests (docs/prompt-caching.md): `auto` where the routed model's
   * capability profile takes cache_control, `on` for any upstream, `off` never.
   */
  readonly promptCache: PromptCacheMode;
  /** The TTL of those breakpoints, where the upstream takes one. */
  readonly promptCacheTtl: '5m' | '1h';
  /** The configuration file read (absolute path), or null when there is none. */
  readonly configFile: string | null;
  /** Upstreams and model routes: from the configuration file, else the environment's one target. */
  readonly routing: RoutingTable;
  /** Client keys, the admin key and prices (configuration file); none without a file. */
  readonly access: ClientAccess;
  /** redis:// URL shared by replicas for client limits and usage (and the Responses store when RESPONSES_STORE_URL is empty). */
  readonly redisUrl: string;
  /** When that Redis cannot be reached: admit requests without their limits (`open`) or refuse them with 503 (`closed`). */
  readonly redisFailMode: 'open' | 'closed';
  /** Folder of the embedded usage store (without Redis); empty = usage kept in the process only. */
  readonly dataDir: string;
  /** OpenTelemetry tracing (docs/tracing.md), from the standard OTEL_* variables; null = off. */
  readonly tracing: TracingConfig | null;
}

export type TracesSampler = 'always_on' | 'always_off' | 'traceidratio' | 'parentbased_always_on' | 'parentbased_always_off' | 'parentbased_traceidratio';

export interface TracingConfig {
  /** The OTLP/HTTP traces URL the spans are sent to (JSON encoding). */
  readonly tracesUrl: string;
  readonly serviceName: string;
  readonly sampler: TracesSampler;
  /** The ratio of the *traceidratio samplers, 0 to 1. */
  readonly samplerRatio: number;
  /** Prompt content on the GenAI spans (never by default: it is the users' data). */
  readonly captureMessageContent: boolean;
}

export type PromptCacheMode = 'auto' | 'on' | 'off';

/** One line, no stack: what is wrong, with which variable, and what would be right. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

// env-schema merges .env, then the environment (which wins), and applies the defaults. Every value is
// declared as a string so that the checks below can say precisely what is wrong with it.
const DEFAULTS = {
  SERVER_API_KEY: '',
  FORWARD_CLIENT_KEY: 'true',
  FORWARD_COUNT_TO_UPSTREAM: 'true',
  UPSTREAM_BASE: 'https://api.z.ai/api/anthropic',
  UPSTREAM_PROFILE: '',
  MODEL_MAP_JSON: '{}',
  OPENAI_MODELS_LIST_JSON: '["glm-4.5","glm-4.5v"]',
  AUTOTEXT_MODEL: 'glm-4.5',
  AUTOVISION_MODEL: 'glm-4.5',
  FORCE_ANTHROPIC_BETA: 'false',
  DEFAULT_ANTHROPIC_BETA: 'prompt-caching-2024-07-31',
  COUNT_SHAPE_COMPAT: 'true',
  HOST: '0.0.0.0',
  PORT: '5000',
  LOG_LEVEL: 'info',
  LOG_DIR: 'logs',
  ANTHROPIC_VERSION: '2023-06-01',
  DEFAULT_MAX_TOKENS: '4096',
  REASONING_BUDGETS_JSON: '{"minimal":1024,"low":1024,"medium":4096,"high":16384}',
  UPSTREAM_CONNECT_TIMEOUT_MS: '10000',
  UPSTREAM_HEADERS_TIMEOUT_MS: '600000',
  STREAM_IDLE_TIMEOUT_MS: '300000',
  UPSTREAM_TIMEOUT_MS: '900000',
  SHUTDOWN_TIMEOUT_MS: '10000',
  BODY_LIMIT_BYTES: '33554432',
  CLIENT_HEADERS_TIMEOUT_MS: '30000',
  CLIENT_REQUEST_TIMEOUT_MS: '300000',
  MAX_CONNECTIONS: '1024',
  MAX_BODY_BYTES_IN_FLIGHT: '134217728',
  MAX_RETRIES: '2',
  MAX_CONCURRENT_UPSTREAM: '512',
  MAX_EVENT_LOOP_DELAY_MS: '1000',
  PROXY_API_KEYS: '',
  METRICS_REQUIRE_AUTH: 'false',
  CORS_ORIGINS: '',
  RESPONSES_STORE_MAX_MB: '32',
  RESPONSES_STORE_TTL_SECONDS: '86400',
  RESPONSES_WEB_SEARCH: 'false',
  RESPONSES_STORE_URL: '',
  RESPONSES_STORE_TIMEOUT_MS: '1000',
  PROMPT_CACHE: 'auto',
  PROMPT_CACHE_TTL: '5m',
  CONFIG_FILE: '',
  OTEL_SDK_DISABLED: 'false',
  OTEL_EXPORTER_OTLP_ENDPOINT: '',
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
  OTEL_SERVICE_NAME: 'anthropic-proxy',
  OTEL_TRACES_SAMPLER: 'parentbased_always_on',
  OTEL_TRACES_SAMPLER_ARG: '1',
  OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'false',
  REDIS_URL: '',
  REDIS_FAIL_MODE: 'open',
  DATA_DIR: 'data',
} as const;

/** Where the configuration file is looked for when CONFIG_FILE is not set (the working directory, then the
 * folder compose mounts); the first present is read, none present is the environment-only configuration. */
export const DEFAULT_CONFIG_FILES: readonly string[] = ['anthropic-proxy.yaml', 'config/anthropic-proxy.yaml'];

export type EnvName = keyof typeof DEFAULTS;
export const CONFIG_DEFAULTS: Readonly<Record<EnvName, string>> = DEFAULTS;

const schema = {
  type: 'object',
  properties: Object.fromEntries(
    Object.entries(DEFAULTS).map(([name, value]) => [name, { type: 'string', default: value }]),
  ),
};

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);

function fail(name: string, value: string, problem: string, example: string): never {
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  throw new ConfigError(`${name}=${JSON.stringify(shown)} ${problem}; for example ${name}=${example}`);
}

function parseBoolean(name: EnvName, raw: string): boolean {
  const word = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return fail(name, raw, 'is not a boolean (true/false/1/0/yes/no)', 'true');
}

function parseInteger(name: EnvName, raw: string, min: number, max: number, example: string): number {
  const text = raw.trim();
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    fail(name, raw, `is not a whole number from ${min} to ${max}`, example);
  }
  return value;
}

function parseJson(name: EnvName, raw: string, example: string, expected: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return fail(name, raw, `is not valid JSON (expected ${expected})`, example);
  }
}

function parseModelMap(raw: string): Record<string, string> {
  const example = `'{"gpt-4o":"glm-4.5","gpt-4o-mini":"glm-4.5-air"}'`;
  const value = parseJson('MODEL_MAP_JSON', raw, example, 'a JSON object of strings');
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail('MODEL_MAP_JSON', raw, 'is not a JSON object of strings', example);
  }
  for (const [key, target] of Object.entries(value)) {
    if (typeof target !== 'string' || target.trim() === '' || key.trim() === '') {
      fail('MODEL_MAP_JSON', raw, `maps ${JSON.stringify(key)} to a value that is not a non-empty string`, example);
    }
  }
  return Object.assign(Object.create(null), value) as Record<string, string>;
}

function parseStringList(name: EnvName, raw: string, example: string): string[] {
  const value = parseJson(name, raw, example, 'a JSON array of strings');
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item.trim() === '')) {
    fail(name, raw, 'is not a JSON array of non-empty strings', example);
  }
  return value as string[];
}

function parseReasoningBudgets(raw: string): Config['reasoningBudgets'] {
  const example = `'{"minimal":1024,"low":1024,"medium":4096,"high":16384}'`;
  const value = parseJson('REASONING_BUDGETS_JSON', raw, example, 'an object of token budgets') as Record<string, unknown>;
  const levels = ['minimal', 'low', 'medium', 'high'] as const;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail('REASONING_BUDGETS_JSON', raw, 'is not a JSON object', example);
  }
  const budgets = { ...JSON.parse(DEFAULTS.REASONING_BUDGETS_JSON), ...value } as Record<string, unknown>;
  for (const level of levels) {
    const budget = budgets[level];
    if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < 1024) {
      fail('REASONING_BUDGETS_JSON', raw, `has a "${level}" budget that is not a whole number >= 1024`, example);
    }
  }
  return { minimal: budgets.minimal, low: budgets.low, medium: budgets.medium, high: budgets.high } as Config['reasoningBudgets'];
}

function parseUpstreamProfile(raw: string): ProviderName | null {
  const name = raw.trim().toLowerCase();
  if (name === '') return null;
  if (!isProviderName(name)) fail('UPSTREAM_PROFILE', raw, `is not one of ${PROVIDER_NAMES.join(', ')}`, 'zai');
  return name;
}

function parseUpstreamBase(raw: string): string {
  const example = 'https://api.z.ai/api/anthropic';
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return fail('UPSTREAM_BASE', raw, 'is not a URL', example);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    fail('UPSTREAM_BASE', raw, 'is not an http(s) URL', example);
  }
  if (url.username || url.password || url.search || url.hash) {
    fail('UPSTREAM_BASE', raw, 'must not carry credentials, a query or a fragment', example);
  }
  // Kept without a trailing slash so that paths can be appended as `${base}/v1/messages`.
  return url.toString().replace(/\/+$/, '');
}

/** The URL with its password masked, for error messages. */
function withoutPassword(url: URL): string {
  if (url.password) url.password = '***';
  return url.toString();
}

function parseStoreUrl(raw: string, name: EnvName = 'RESPONSES_STORE_URL'): string {
  const text = raw.trim();
  if (text === '') return '';
  const example = 'redis://redis:6379/0';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(name, text.replace(/^.*@/, '***@'), 'is not a URL', example);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    fail(name, withoutPassword(url), 'is not a redis:// or rediss:// (TLS) URL', example);
  }
  if (url.hostname === '') fail(name, withoutPassword(url), 'has no host', example);
  if (!/^\/?(\d+)?$/.test(url.pathname)) {
    fail(name, withoutPassword(url), 'has a path that is not a database number', example);
  }
  return text;
}

function parseChoice<T extends string>(name: EnvName, raw: string, choices: readonly T[]): T {
  const word = raw.trim().toLowerCase();
  if (!choices.includes(word as T)) fail(name, raw, `is not one of ${choices.join(', ')}`, choices[0]);
  return word as T;
}

const SAMPLERS: readonly TracesSampler[] = ['parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio', 'always_on', 'always_off', 'traceidratio'];

function parseOtlpUrl(name: EnvName, raw: string): URL {
  let url: URL | null = null;
  try {
    url = new URL(raw.trim());
  } catch {
    // reported below
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) fail(name, raw, 'is not an http(s) URL', 'http://otel-collector:4318');
  return url!;
}

/**
 * Tracing is on when an OTLP endpoint is set and the SDK is not disabled (the OpenTelemetry environment
 * variable specification): OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is the traces URL as is, OTEL_EXPORTER_OTLP_ENDPOINT
 * a base that /v1/traces is appended to.
 */
function parseTracing(raw: Record<EnvName, string>): TracingConfig | null {
  if (parseBoolean('OTEL_SDK_DISABLED', raw.OTEL_SDK_DISABLED)) return null;
  const traces = raw.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.trim();
  const base = raw.OTEL_EXPORTER_OTLP_ENDPOINT.trim();
  let tracesUrl: string;
  if (traces !== '') tracesUrl = parseOtlpUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces).toString();
  else if (base !== '') tracesUrl = `${parseOtlpUrl('OTEL_EXPORTER_OTLP_ENDPOINT', base).toString().replace(/\/+$/, '')}/v1/traces`;
  else return null;
  const ratioText = raw.OTEL_TRACES_SAMPLER_ARG.trim();
  const ratio = ratioText === '' ? 1 : Number(ratioText);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) fail('OTEL_TRACES_SAMPLER_ARG', raw.OTEL_TRACES_SAMPLER_ARG, 'is not a ratio from 0 to 1', '0.25');
  return {
    tracesUrl,
    serviceName: raw.OTEL_SERVICE_NAME.trim() || DEFAULTS.OTEL_SERVICE_NAME,
    sampler: parseChoice('OTEL_TRACES_SAMPLER', raw.OTEL_TRACES_SAMPLER, SAMPLERS),
    samplerRatio: ratio,
    captureMessageContent: parseBoolean('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT', raw.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT),
  };
}

function parseCommaList(raw: string): string[] {
  return raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

export interface LoadConfigOptions {
  /** The variables to read; main passes process.env, tests pass plain objects. */
  env?: Record<string, string | undefined>;
  /** The .env file to merge under the environment, or null for none. */
  dotenvPath?: string | null;
  /** Where a relative CONFIG_FILE and the default configuration files are looked for (default: the working directory). */
  cwd?: string;
}

// The one reading of the environment and the .env file (Node's own .env parser, through env-schema).
function readEnvironment<T>(properties: object, options: LoadConfigOptions): T {
  const env = options.env ?? process.env;
  const dotenvPath = options.dotenvPath === undefined ? '.env' : options.dotenvPath;
  try {
    return envSchema<T>({
      schema: { ...schema, properties },
      env: false,
      data: [{ ...env }],
      dotenv: dotenvPath === null ? false : { path: dotenvPath },
    });
  } catch (error) {
    throw new ConfigError(`cannot read the configuration: ${(error as Error).message}`);
  }
}

/**
 * Variables that are not the service's (the host scripts' PID_FILE or STOP_TIMEOUT), read exactly as the
 * service reads its own: the environment over .env. Names set in neither are left out.
 */
export function readVariables(names: readonly string[], options: LoadConfigOptions = {}): Record<string, string> {
  return readEnvironment(Object.fromEntries(names.map((name) => [name, { type: 'string' }])), options);
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const raw = readEnvironment<Record<EnvName, string>>(schema.properties, options);

  const logLevel = raw.LOG_LEVEL.trim().toLowerCase();
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) {
    fail('LOG_LEVEL', raw.LOG_LEVEL, `is not a log level (${LOG_LEVELS.join(', ')})`, 'info');
  }
  const host = raw.HOST.trim();
  if (host === '') fail('HOST', raw.HOST, 'is empty', '0.0.0.0');
  for (const name of ['AUTOTEXT_MODEL', 'AUTOVISION_MODEL', 'ANTHROPIC_VERSION'] as const) {
    if (raw[name].trim() === '') fail(name, raw[name], 'is empty', DEFAULTS[name]);
  }

  const config: Config = {
    serverApiKey: raw.SERVER_API_KEY.trim(),
    forwardClientKey: parseBoolean('FORWARD_CLIENT_KEY', raw.FORWARD_CLIENT_KEY),
    forwardCountToUpstream: parseBoolean('FORWARD_COUNT_TO_UPSTREAM', raw.FORWARD_COUNT_TO_UPSTREAM),
    upstreamBase: parseUpstreamBase(raw.UPSTREAM_BASE),
    upstreamProfile: parseUpstreamProfile(raw.UPSTREAM_PROFILE),
    modelMap: Object.freeze(parseModelMap(raw.MODEL_MAP_JSON)),
    openaiModels: Object.freeze(
      parseStringList('OPENAI_MODELS_LIST_JSON', raw.OPENAI_MODELS_LIST_JSON, `'["glm-4.5","glm-4.5v"]'`),
    ),
    autoTextModel: raw.AUTOTEXT_MODEL.trim(),
    autoVisionModel: raw.AUTOVISION_MODEL.trim(),
    forceAnthropicBeta: parseBoolean('FORCE_ANTHROPIC_BETA', raw.FORCE_ANTHROPIC_BETA),
    defaultAnthropicBeta: raw.DEFAULT_ANTHROPIC_BETA.trim(),
    countShapeCompat: parseBoolean('COUNT_SHAPE_COMPAT', raw.COUNT_SHAPE_COMPAT),
    host,
    port: parseInteger('PORT', raw.PORT, 0, 65535, '5000'),
    logLevel: logLevel as LogLevel,
    logDir: raw.LOG_DIR.trim(),
    anthropicVersion: raw.ANTHROPIC_VERSION.trim(),
    defaultMaxTokens: parseInteger('DEFAULT_MAX_TOKENS', raw.DEFAULT_MAX_TOKENS, 1, 1_000_000, '4096'),
    reasoningBudgets: Object.freeze(parseReasoningBudgets(raw.REASONING_BUDGETS_JSON)),
    upstreamConnectTimeoutMs: parseInteger('UPSTREAM_CONNECT_TIMEOUT_MS', raw.UPSTREAM_CONNECT_TIMEOUT_MS, 1, 600_000, '10000'),
    upstreamHeadersTimeoutMs: parseInteger('UPSTREAM_HEADERS_TIMEOUT_MS', raw.UPSTREAM_HEADERS_TIMEOUT_MS, 1, 3_600_000, '600000'),
    streamIdleTimeoutMs: parseInteger('STREAM_IDLE_TIMEOUT_MS', raw.STREAM_IDLE_TIMEOUT_MS, 1, 3_600_000, '300000'),
    upstreamTimeoutMs: parseInteger('UPSTREAM_TIMEOUT_MS', raw.UPSTREAM_TIMEOUT_MS, 1, 86_400_000, '900000'),
    shutdownTimeoutMs: parseInteger('SHUTDOWN_TIMEOUT_MS', raw.SHUTDOWN_TIMEOUT_MS, 0, 3_600_000, '10000'),
    bodyLimitBytes: parseInteger('BODY_LIMIT_BYTES', raw.BODY_LIMIT_BYTES, 1024, 1_073_741_824, '33554432'),
    clientHeadersTimeoutMs: parseInteger('CLIENT_HEADERS_TIMEOUT_MS', raw.CLIENT_HEADERS_TIMEOUT_MS, 1000, 3_600_000, '30000'),
    clientRequestTimeoutMs: parseInteger('CLIENT_REQUEST_TIMEOUT_MS', raw.CLIENT_REQUEST_TIMEOUT_MS, 1000, 86_400_000, '300000'),
    maxConnections: parseInteger('MAX_CONNECTIONS', raw.MAX_CONNECTIONS, 1, 1_000_000, '1024'),
    maxBodyBytesInFlight: parseInteger('MAX_BODY_BYTES_IN_FLIGHT', raw.MAX_BODY_BYTES_IN_FLIGHT, 1024, 68_719_476_736, '134217728'),
    maxRetries: parseInteger('MAX_RETRIES', raw.MAX_RETRIES, 0, 10, '2'),
    maxConcurrentUpstream: parseInteger('MAX_CONCURRENT_UPSTREAM', raw.MAX_CONCURRENT_UPSTREAM, 1, 100_000, '512'),
    maxEventLoopDelayMs: parseInteger('MAX_EVENT_LOOP_DELAY_MS', raw.MAX_EVENT_LOOP_DELAY_MS, 0, 60_000, '1000'),
    proxyApiKeys: Object.freeze(parseCommaList(raw.PROXY_API_KEYS)),
    metricsRequireAuth: parseBoolean('METRICS_REQUIRE_AUTH', raw.METRICS_REQUIRE_AUTH),
    corsOrigins: Object.freeze(parseCommaList(raw.CORS_ORIGINS)),
    responsesStoreMaxBytes: parseInteger('RESPONSES_STORE_MAX_MB', raw.RESPONSES_STORE_MAX_MB, 0, 65_536, '32') * 1024 * 1024,
    responsesStoreTtlMs: parseInteger('RESPONSES_STORE_TTL_SECONDS', raw.RESPONSES_STORE_TTL_SECONDS, 1, 31_536_000, '86400') * 1000,
    responsesWebSearch: parseBoolean('RESPONSES_WEB_SEARCH', raw.RESPONSES_WEB_SEARCH),
    // REDIS_URL backs the Responses store too, unless RESPONSES_STORE_URL names another.
    responsesStoreUrl: parseStoreUrl(raw.RESPONSES_STORE_URL) || parseStoreUrl(raw.REDIS_URL, 'REDIS_URL'),
    responsesStoreTimeoutMs: parseInteger('RESPONSES_STORE_TIMEOUT_MS', raw.RESPONSES_STORE_TIMEOUT_MS, 1, 60_000, '1000'),
    promptCache: parseChoice('PROMPT_CACHE', raw.PROMPT_CACHE, ['auto', 'on', 'off'] as const),
    promptCacheTtl: parseChoice('PROMPT_CACHE_TTL', raw.PROMPT_CACHE_TTL, ['5m', '1h'] as const),
    configFile: configFilePath(raw.CONFIG_FILE, options.cwd ?? process.cwd()),
    // Replaced below: the routing's defaults are the settings above.
    routing: { targets: [], models: {} },
    tracing: parseTracing(raw),
    access: NO_CLIENT_ACCESS,
    redisUrl: parseStoreUrl(raw.REDIS_URL, 'REDIS_URL'),
    redisFailMode: parseChoice('REDIS_FAIL_MODE', raw.REDIS_FAIL_MODE, ['open', 'closed'] as const),
    dataDir: raw.DATA_DIR.trim(),
  };
  if (config.maxBodyBytesInFlight < config.bodyLimitBytes) {
    // Otherwise a body the limit allows could never be taken.
    fail('MAX_BODY_BYTES_IN_FLIGHT', raw.MAX_BODY_BYTES_IN_FLIGHT, `is less than BODY_LIMIT_BYTES (${config.bodyLimitBytes})`, String(4 * config.bodyLimitBytes));
  }
  if (config.clientHeadersTimeoutMs > config.clientRequestTimeoutMs) {
    // The headers are part of the request: Node refuses a headers timeout longer than the request's.
    fail('CLIENT_HEADERS_TIMEOUT_MS', raw.CLIENT_HEADERS_TIMEOUT_MS, `is longer than CLIENT_REQUEST_TIMEOUT_MS (${config.clientRequestTimeoutMs})`, String(Math.min(30_000, config.clientRequestTimeoutMs)));
  }
  if (config.metricsRequireAuth && config.proxyApiKeys.length === 0) {
    // Otherwise /metrics would stay open while the operator believes it protected.
    fail('METRICS_REQUIRE_AUTH', raw.METRICS_REQUIRE_AUTH, 'needs PROXY_API_KEYS (the keys /metrics then asks for)', 'true together with PROXY_API_KEYS=key-one');
  }
  if (config.configFile === null) return Object.freeze({ ...config, routing: environmentRouting(config) });
  const { routing, access } = readConfigFile(config, options);
  return Object.freeze({ ...config, routing, access });
}

/** The configuration file to read: CONFIG_FILE (which must exist), else the first default present, else none. */
function configFilePath(raw: string, cwd: string): string | null {
  const named = raw.trim();
  if (named !== '') {
    const path = resolve(cwd, named);
    if (!existsSync(path)) fail('CONFIG_FILE', raw, `names no file (looked for ${path})`, 'anthropic-proxy.yaml');
    return path;
  }
  return DEFAULT_CONFIG_FILES.map((name) => resolve(cwd, name)).find((path) => existsSync(path)) ?? null;
}

/**
 * Reads the configuration file of `config` (again, for a reload): its text and the routing it describes, with
 * the settings of `config` as defaults and the variables it references read as the service reads its own
 * (the environment over .env). Throws ConfigError with one line per problem, each naming the file.
 */
export function readConfigFile(config: Config, options: LoadConfigOptions = {}): { text: string; routing: RoutingTable; access: ClientAccess } {
  const path = config.configFile;
  if (path === null) throw new ConfigError('no configuration file is in use');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    const variables = referencedVariables(text);
    const env = variables.length === 0 ? {} : readVariables(variables, options);
    return { text, ...settingsFromFile(text, env, config) };
  } catch (error) {
    if (error instanceof ConfigFileError) throw new ConfigError(error.problems.map((problem) => `${path}: ${problem}`).join('\n'));
    throw error;
  }
}

/** The secrets the logger must never print, whatever line they end up in. */
export function configSecrets(config: Config): string[] {
  // As written in the URL (percent-encoded) and as sent to Redis.
  const storeSecrets = [config.responsesStoreUrl, config.redisUrl].flatMap((url) => {
    const password = url === '' ? '' : new URL(url).password;
    return password === '' ? [] : [password, decodeURIComponent(password)];
  });
  const upstreamKeys = config.routing.targets.flatMap((target) => target.keys.map((key) => key.value));
  const adminKey = config.access.adminKey === null ? [] : [config.access.adminKey];
  return [config.serverApiKey, ...config.proxyApiKeys, ...storeSecrets, ...upstreamKeys, ...adminKey].filter((secret) => secret.length >= 4);
}

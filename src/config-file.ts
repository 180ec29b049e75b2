// The configuration file (anthropic-proxy.yaml) as data: YAML text in, a routing table out. Pure: the caller
// (config.ts) reads the file and the environment; every problem found is reported, one line each, naming
// its place in the file (`upstreams.zai.keys[1].max_in_flight: must be >= 1 (line 12)`).
import { createHash } from 'node:crypto';
import { Ajv, type ErrorObject } from 'ajv';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { Config } from './config.ts';
import { CONFIG_FILE_SCHEMA } from './config-file-schema.ts';
import type { ClientAccess, ClientKey, ModelPrice } from './client-keys.ts';
import { providerFromBaseUrl, type ProviderName } from './wire/provider.ts';
import { DEFAULT_QUEUE, environmentTarget, type ModelRoute, type PromptCacheOverride, type RoutingTable, type UpstreamKey, type UpstreamTarget } from './routing.ts';

/** Every problem of a configuration file, one line each. */
export class ConfigFileError extends Error {
  override name = 'ConfigFileError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.problems = problems;
  }
}

type Path = readonly (string | number)[];

// The file as the schema describes it (after validation).
interface FileKey { name: string; key: string; max_in_flight?: number }
interface FileUpstream {
  base_url: string;
  profile?: ProviderName;
  keys?: FileKey[];
  forward_client_key?: boolean;
  timeouts?: { connect_ms?: number; headers_ms?: number; stream_idle_ms?: number; total_ms?: number };
  queue?: { max_wait_ms?: number; max_length?: number };
  headers?: Record<string, string>;
  max_retries?: number;
  max_concurrent?: number;
  anthropic_version?: string;
  prompt_cache?: PromptCacheOverride;
}
interface FileRoute { upstream: string; model: string; priority?: number; weight?: number; capabilities?: Record<string, unknown>; prompt_cache?: PromptCacheOverride }
interface FileClientKey {
  key?: string;
  key_sha256?: string;
  models?: string[];
  expires_at?: string;
  limits?: { rpm?: number; tpm?: number; in_flight?: number; tokens_per_day?: number; tokens_per_month?: number };
}
interface FilePrice { input?: number; output?: number; cache_read?: number; cache_write?: number }
interface ConfigFile {
  upstreams?: Record<string, FileUpstream>;
  models?: Record<string, FileRoute[]>;
  prompt_cache?: PromptCacheOverride;
  admin_key?: string;
  client_keys?: Record<string, FileClientKey>;
  prices?: Record<string, FilePrice>;
}

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
const validateFile = ajv.compile(CONFIG_FILE_SCHEMA);

/** The environment variables a file references (`${NAME}`), for reading exactly those. */
export function referencedVariables(text: string): string[] {
  return [...new Set([...text.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((match) => match[1]!))];
}

/**
 * The routing table a configuration file describes. `env` holds the variables its `${NAME}` references
 * name; `base` the environment's configuration, whose settings are the defaults. Throws ConfigFileError
 * with every problem found.
 */
export function routingFromFile(text: string, env: Readonly<Record<string, string | undefined>>, base: Config): RoutingTable {
  return settingsFromFile(text, env, base).routing;
}

/** What a configuration file sets: the routing table, and the client keys with the admin key and prices. */
export function settingsFromFile(text: string, env: Readonly<Record<string, string | undefined>>, base: Config): { routing: RoutingTable; access: ClientAccess } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, merge: true, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new ConfigFileError(document.errors.map((error) => {
      const at = lineCounter.linePos(error.pos[0]);
      return `line ${at.line}, column ${at.col}: ${error.message.split('\n')[0]} (YAML)`;
    }));
  }
  const place = placeFinder(document, lineCounter);
  const problems: string[] = [];
  const report = (path: Path, message: string) => problems.push(`${formatPath(path)}: ${message}${place(path)}`);

  const data = substitute(document.toJS() ?? {}, [], env, report);
  if (problems.length > 0) throw new ConfigFileError(problems);
  if (!validateFile(data)) {
    for (const error of validateFile.errors ?? []) {
      const problem = describeSchemaError(error, data);
      if (problem) report(problem.path, problem.message);
    }
    throw new ConfigFileError([...new Set(problems)]);
  }
  const file = data as ConfigFile;
  // The top-level prompt_cache is every upstream's default (the environment's one target included).
  const targets = (file.upstreams
    ? upstreamOrder(document, file.upstreams).map((name) => targetOf(name, file.upstreams![name]!, base, Object.keys(file.client_keys ?? {}).length > 0, report))
    : [clientKeysGuard(environmentTarget(base), file)]
  ).map((target) => withPromptCacheDefault(target, file.prompt_cache));
  const models = routesOf(file.models ?? {}, targets.map((target) => target.name), Boolean(file.upstreams), report);
  const access = accessOf(file, base, report);
  if (problems.length > 0) throw new ConfigFileError(problems);
  return { routing: { targets, models }, access };
}

// ---- the environment references ----

/** Strings with `${NAME}` get the variable's value (`$${...}` stays a literal `${...}`); keys stay as written. */
function substitute(value: unknown, path: Path, env: Readonly<Record<string, string | undefined>>, report: (path: Path, message: string) => void): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$(\$?)\{([^}]*)\}/g, (whole, escaped: string, name: string) => {
      if (escaped) return whole.slice(1);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        report(path, `\${${name}} is not a variable reference (a name of letters, digits and _; write $\${...} for a literal \${...})`);
        return whole;
      }
      const variable = env[name];
      if (variable === undefined) report(path, `\${${name}} is not set in the environment`);
      else if (variable === '') report(path, `\${${name}} is set but empty`);
      return variable ?? whole;
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => substitute(item, [...path, index], env, report));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, [...path, key], env, report)]));
  }
  return value;
}

// ---- schema errors as lines ----

function describeSchemaError(error: ErrorObject, data: unknown): { path: Path; message: string } | null {
  const path = pathOf(error.instancePath, data);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: [...path, String(params.missingProperty)], message: 'is required' };
    case 'additionalProperties': {
      const known = Object.keys((error.parentSchema as { properties?: object }).properties ?? {}).filter((name) => name !== '$schema');
      return { path: [...path, String(params.additionalProperty)], message: `is not a known field (known: ${known.join(', ')})` };
    }
    case 'propertyNames':
      return null; // the pattern error below says which name
    case 'pattern':
      if (error.propertyName !== undefined) return { path: [...path, error.propertyName], message: 'is not a valid name (letters, digits, ".", "_" and "-", starting with a letter or digit)' };
      if (params.pattern === '^https?://') return { path, message: 'is not an http(s) URL' };
      if (params.pattern === '^[0-9a-fA-F]{64}$') return { path, message: 'is not a SHA-256 in hex (64 characters 0-9, a-f)' };
      return { path, message: 'is not a valid name (letters, digits, ".", "_" and "-", starting with a letter or digit)' };
    case 'enum':
      return { path, message: `must be one of ${(params.allowedValues as string[]).join(', ')}` };
    case 'type':
      return { path, message: `must be ${[params.type].flat().map((type) => (type === 'integer' ? 'a whole number' : `${/^[aeiou]/.test(String(type)) ? 'an' : 'a'} ${type}`)).join(' or ')}` };
    case 'minProperties':
      return { path, message: path.at(-1) === 'upstreams' ? 'must name at least one upstream' : String(error.message) };
    case 'minItems':
      return { path, message: 'must list at least one route' };
    case 'minLength':
      return { path, message: params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters` };
    default:
      return { path, message: String(error.message) };
  }
}

/** A JSON pointer as path segments: array indexes as numbers. */
function pathOf(pointer: string, data: unknown): (string | number)[] {
  const path: (string | number)[] = [];
  let node: unknown = data;
  for (const raw of pointer === '' ? [] : pointer.slice(1).split('/')) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    const step = Array.isArray(node) ? Number(segment) : segment;
    path.push(step);
    node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[step] : undefined;
  }
  return path;
}

/** `upstreams.zai.keys[1].max_in_flight`; names that are not plain words are quoted: `models["glm-4.6"][0]`. */
export function formatPath(path: Path): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) return index === 0 ? segment : `.${segment}`;
      return `[${JSON.stringify(segment)}]`;
    })
    .join('');
}

/** ` (line N)` for a path: the line of its key (or item), or of its nearest ancestor present in the file. */
function placeFinder(document: Document, lineCounter: LineCounter): (path: Path) => string {
  const lineAt = (node: unknown) => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? lineCounter.linePos(range[0]).line : null;
  };
  return (path) => {
    let node: unknown = document.contents;
    let line = lineAt(node);
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) => String(isScalar(item.key) ? item.key.value : item.key) === String(segment));
        if (!pair) break;
        line = lineAt(pair.key) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
        node = node.items[segment];
        line = lineAt(node) ?? line;
      } else break;
    }
    return line === null ? '' : ` (line ${line})`;
  };
}

/** The upstream names in the file's order (an object would put names like "1" first). */
function upstreamOrder(document: Document, upstreams: Record<string, unknown>): string[] {
  const node = document.get('upstreams', true);
  if (!isMap(node)) return Object.keys(upstreams);
  return node.items.map((pair) => String(isScalar(pair.key) ? pair.key.value : pair.key)).filter((name) => name in upstreams);
}

// ---- the routing table ----

// Set by the service itself: the key headers from `keys`, the version from anthropic_version, the rest by HTTP.
const MANAGED_HEADERS = new Set(['x-api-key', 'authorization', 'anthropic-version', 'host', 'content-length', 'content-type', 'connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-connection']);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function targetOf(name: string, upstream: FileUpstream, base: Config, clientKeys: boolean, report: (path: Path, message: string) => void): UpstreamTarget {
  const at = (...rest: (string | number)[]) => ['upstreams', name, ...rest];
  const baseUrl = checkBaseUrl(upstream.base_url, (message) => report(at('base_url'), message));

  const keys: UpstreamKey[] = [];
  const seenNames = new Map<string, number>();
  const seenValues = new Map<string, number>();
  (upstream.keys ?? []).forEach((key, index) => {
    const sameName = seenNames.get(key.name);
    if (sameName !== undefined) report(at('keys', index, 'name'), `"${key.name}" is already the name of keys[${sameName}]`);
    const sameValue = seenValues.get(key.key);
    if (sameValue !== undefined) report(at('keys', index, 'key'), `is the same key as keys[${sameValue}] (a key is listed once; max_in_flight sets its share)`);
    seenNames.set(key.name, index);
    seenValues.set(key.key, index);
    keys.push(key.max_in_flight === undefined ? { name: key.name, value: key.key } : { name: key.name, value: key.key, maxInFlight: key.max_in_flight });
  });

  // With inbound auth (PROXY_API_KEYS or client_keys) the client's key is ours: it never goes upstream.
  const proxyKeys = base.proxyApiKeys.length > 0 || clientKeys;
  if (upstream.forward_client_key === true && proxyKeys) {
    report(at('forward_client_key'), `cannot be true while ${clientKeys ? 'client_keys is' : 'PROXY_API_KEYS is'} set (clients present proxy keys, which never go upstream)`);
  }
  const forwardClientKey = upstream.forward_client_key ?? (keys.length === 0 && !proxyKeys);

  const extraHeaders: Record<string, string> = {};
  for (const [header, value] of Object.entries(upstream.headers ?? {})) {
    if (!HEADER_NAME.test(header)) report(at('headers', header), 'is not a valid header name');
    else if (MANAGED_HEADERS.has(header.toLowerCase()) || header.toLowerCase().startsWith('proxy-')) {
      report(at('headers', header), 'is set by the service (keys go in keys, the version in anthropic_version)');
    } else if (/[\r\n\0]/.test(value)) report(at('headers', header), 'has a line break or NUL in its value');
    else extraHeaders[header.toLowerCase()] = value;
  }

  const timeouts = upstream.timeouts ?? {};
  const setting = (field: keyof typeof timeouts, variable: string) => (timeouts[field] === undefined ? variable : formatPath(at('timeouts', field)));
  return {
    name,
    baseUrl,
    profile: upstream.profile ?? (baseUrl ? providerFromBaseUrl(baseUrl) : 'generic'),
    keys,
    forwardClientKey,
    timeouts: {
      connectMs: timeouts.connect_ms ?? base.upstreamConnectTimeoutMs,
      headersMs: timeouts.headers_ms ?? base.upstreamHeadersTimeoutMs,
      streamIdleMs: timeouts.stream_idle_ms ?? base.streamIdleTimeoutMs,
      totalMs: timeouts.total_ms ?? base.upstreamTimeoutMs,
      settings: {
        connect: setting('connect_ms', 'UPSTREAM_CONNECT_TIMEOUT_MS'),
        headers: setting('headers_ms', 'UPSTREAM_HEADERS_TIMEOUT_MS'),
        streamIdle: setting('stream_idle_ms', 'STREAM_IDLE_TIMEOUT_MS'),
        total: setting('total_ms', 'UPSTREAM_TIMEOUT_MS'),
      },
    },
    maxRetries: upstream.max_retries ?? base.maxRetries,
    maxConcurrent: upstream.max_concurrent ?? base.maxConcurrentUpstream,
    anthropicVersion: upstream.anthropic_version ?? base.anthropicVersion,
    defaultBeta: base.forceAnthropicBeta && base.defaultAnthropicBeta ? base.defaultAnthropicBeta : null,
    extraHeaders,
    queue: {
      maxWaitMs: upstream.queue?.max_wait_ms ?? DEFAULT_QUEUE.maxWaitMs,
      maxLength: upstream.queue?.max_length ?? DEFAULT_QUEUE.maxLength,
    },
    ...(upstream.prompt_cache === undefined ? {} : { promptCache: upstream.prompt_cache }),
  };
}

function withPromptCacheDefault(target: UpstreamTarget, fallback: PromptCacheOverride | undefined): UpstreamTarget {
  if (fallback === undefined) return target;
  return { ...target, promptCache: { ...fallback, ...target.promptCache } };
}

/** The base URL without a trailing slash, so that paths append as `${base}/v1/messages`; '' when it is wrong. */
function checkBaseUrl(raw: string, problem: (message: string) => void): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    problem('is not a URL');
    return '';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') problem('is not an http(s) URL');
  else if (url.username || url.password || url.search || url.hash) problem('must not carry credentials, a query or a fragment (keys go in keys, extra headers in headers)');
  else return url.toString().replace(/\/+$/, '');
  return '';
}

function routesOf(models: Record<string, FileRoute[]>, upstreams: readonly string[], fromFile: boolean, report: (path: Path, message: string) => void): Record<string, ModelRoute[]> {
  const known = upstreams.join(', ');
  const result: Record<string, ModelRoute[]> = Object.create(null);
  for (const [publicName, routes] of Object.entries(models)) {
    result[publicName] = routes.map((route, index) => {
      if (!upstreams.includes(route.upstream)) {
        const where = fromFile ? `the upstreams of this file (${known})` : 'an upstream: without an upstreams section the only one is "default" (the environment\'s)';
        report(['models', publicName, index, 'upstream'], `"${route.upstream}" is not one of ${where}`);
      }
      const built: ModelRoute = { upstream: route.upstream, model: route.model, priority: route.priority ?? index, weight: route.weight ?? 1 };
      return {
        ...built,
        ...(route.capabilities === undefined ? {} : { capabilities: route.capabilities }),
        ...(route.prompt_cache === undefined ? {} : { promptCache: route.prompt_cache }),
      };
    });
  }
  return result;
}

// ---- client keys, admin key, prices ----

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

function accessOf(file: ConfigFile, base: Config, report: (path: Path, message: string) => void): ClientAccess {
  const proxyKeys = new Set(base.proxyApiKeys.map(sha256Hex));
  const adminKey = file.admin_key ?? null;
  const seen = new Map<string, string>();
  const clientKeys: ClientKey[] = [];
  for (const [name, entry] of Object.entries(file.client_keys ?? {})) {
    const at = (...rest: string[]) => ['client_keys', name, ...rest];
    if ((entry.key === undefined) === (entry.key_sha256 === undefined)) {
      report(at(), 'needs key or key_sha256 (exactly one of them)');
      continue;
    }
    const sha256 = entry.key !== undefined ? sha256Hex(entry.key) : entry.key_sha256!.toLowerCase();
    const field = entry.key !== undefined ? 'key' : 'key_sha256';
    const other = seen.get(sha256);
    if (other !== undefined) report(at(field), `is the same key as client_keys.${other}`);
    else if (proxyKeys.has(sha256)) report(at(field), 'is also one of PROXY_API_KEYS (a key is either a proxy key or a client key)');
    else if (adminKey !== null && sha256 === sha256Hex(adminKey)) report(at(field), 'is the admin_key (the admin key is never a client key)');
    seen.set(sha256, name);
    let expiresAt: number | null = null;
    if (entry.expires_at !== undefined) {
      expiresAt = /^\d{4}-\d{2}-\d{2}/.test(entry.expires_at) ? Date.parse(entry.expires_at) : Number.NaN;
      if (Number.isNaN(expiresAt)) report(at('expires_at'), 'is not a date and time (ISO 8601, e.g. 2027-06-30T00:00:00Z)');
    }
    const limits = entry.limits ?? {};
    clientKeys.push({
      name,
      sha256,
      models: entry.models ?? null,
      expiresAt,
      limits: {
        rpm: limits.rpm,
        tpm: limits.tpm,
        inFlight: limits.in_flight,
        tokensPerDay: limits.tokens_per_day,
        tokensPerMonth: limits.tokens_per_month,
      },
    });
  }
  const prices: Record<string, ModelPrice> = Object.create(null);
  for (const [model, price] of Object.entries(file.prices ?? {})) {
    prices[model] = { input: price.input ?? 0, output: price.output ?? 0, cacheRead: price.cache_read ?? 0, cacheWrite: price.cache_write ?? 0 };
  }
  return { clientKeys, adminKey, prices };
}

/** A client key is ours: with client_keys, the environment's target never forwards the key a client presents. */
function clientKeysGuard(target: UpstreamTarget, file: ConfigFile): UpstreamTarget {
  return Object.keys(file.client_keys ?? {}).length > 0 ? { ...target, forwardClientKey: false } : target;
}

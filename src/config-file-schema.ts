// The JSON Schema of the configuration file (anthropic-proxy.yaml). Published as
// docs/anthropic-proxy.schema.json, which a file names in its first line so that editors complete and check it;
// a test keeps the two identical. JSON Schema draft-07: the draft every YAML editor plugin understands.
import { PROVIDER_NAMES } from './wire/provider.ts';

const NAME = '^[A-Za-z0-9][A-Za-z0-9._-]*$';

const PROFILES = PROVIDER_NAMES;

const milliseconds = (description: string) => ({ type: 'integer', minimum: 1, description }) as const;

const key = {
  type: 'object',
  description: 'A key the service holds for this upstream. Its name appears in logs and metrics; the key itself never does.',
  required: ['name', 'key'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', pattern: NAME, description: 'Unique within the upstream; letters, digits, dot, dash, underscore.' },
    key: { type: 'string', minLength: 1, description: 'The key, normally a reference to an environment variable: "${ZAI_KEY_A}".' },
    max_in_flight: {
      type: 'integer',
      minimum: 1,
      description: 'Requests this key may have in flight at once (a z.ai Coding Plan allows one or two). Default: no bound.',
    },
  },
} as const;

const promptCache = {
  type: 'object',
  additionalProperties: false,
  description: 'Prompt-cache breakpoints on translated requests (docs/prompt-caching.md). What is left out comes from the level above.',
  properties: {
    mode: {
      type: 'string',
      enum: ['auto', 'on', 'off'],
      description: "auto: where the model's capability profile takes cache_control; on: always; off: never. Default: PROMPT_CACHE.",
    },
    ttl: { type: 'string', enum: ['5m', '1h'], description: 'The TTL of the breakpoints, where the profile takes one. Default: PROMPT_CACHE_TTL.' },
  },
} as const;

const upstream = {
  type: 'object',
  description: 'One Anthropic-protocol endpoint.',
  required: ['base_url'],
  additionalProperties: false,
  properties: {
    base_url: {
      type: 'string',
      pattern: '^https?://',
      description: 'http(s) URL; request paths (/v1/messages) go below its path. No credentials, query or fragment.',
    },
    profile: {
      type: 'string',
      enum: PROFILES,
      description: "The provider dialect it speaks. Default: from the base URL's host (api.z.ai -> zai, ...), else generic.",
    },
    keys: {
      type: 'array',
      items: key,
      description: "The service's keys, one or a pool. None: the client's own key is forwarded, as in the environment-only setup.",
    },
    forward_client_key: {
      type: 'boolean',
      description: "Forward the key a client presents. Default: true without keys (and without PROXY_API_KEYS), false with keys.",
    },
    timeouts: {
      type: 'object',
      additionalProperties: false,
      description: "Default: the environment's (UPSTREAM_CONNECT_TIMEOUT_MS, UPSTREAM_HEADERS_TIMEOUT_MS, STREAM_IDLE_TIMEOUT_MS, UPSTREAM_TIMEOUT_MS).",
      properties: {
        connect_ms: milliseconds('Time to open a connection.'),
        headers_ms: milliseconds('From sending the request to the response headers.'),
        stream_idle_ms: milliseconds('Silence allowed between two chunks of an answer.'),
        total_ms: milliseconds('One exchange in all, streams included.'),
      },
    },
    queue: {
      type: 'object',
      additionalProperties: false,
      description: 'When every key is at its max_in_flight, a request waits in this queue.',
      properties: {
        max_wait_ms: { type: 'integer', minimum: 0, description: 'Longest wait, then 503 with retry-after. Default 30000.' },
        max_length: { type: 'integer', minimum: 0, description: 'Requests waiting at most; beyond it 503 at once. Default 1000.' },
      },
    },
    headers: {
      type: 'object',
      description: 'Headers added to every request to this upstream (not the key headers: use keys).',
      additionalProperties: { type: 'string' },
    },
    max_retries: {
      type: 'integer',
      minimum: 0,
      maximum: 10,
      description: 'Retries of connection failures and 429/503/529 on this upstream before any byte reached the client. Default: MAX_RETRIES.',
    },
    max_concurrent: {
      type: 'integer',
      minimum: 1,
      maximum: 100000,
      description: 'Requests in flight to this upstream at once (its connection pool). Default: MAX_CONCURRENT_UPSTREAM.',
    },
    anthropic_version: { type: 'string', minLength: 1, description: 'anthropic-version sent when the client sends none. Default: ANTHROPIC_VERSION.' },
    prompt_cache: { ...promptCache, description: 'Prompt-cache settings for requests to this upstream. Default: the top-level prompt_cache, then PROMPT_CACHE and PROMPT_CACHE_TTL.' },
  },
} as const;

const route = {
  type: 'object',
  description: 'One way to serve the model: an upstream and the id it knows the model by.',
  required: ['upstream', 'model'],
  additionalProperties: false,
  properties: {
    upstream: { type: 'string', minLength: 1, description: 'The name of an upstream of this file (or "default" when the file defines none).' },
    model: { type: 'string', minLength: 1, description: 'The model id sent to that upstream.' },
    priority: { type: 'integer', minimum: 0, description: "Lower is tried first. Default: the route's position in the list (0, 1, ...)." },
    weight: { type: 'number', exclusiveMinimum: 0, description: 'Routes of one priority share load by weight. Default 1.' },
    capabilities: { type: 'object', description: "Overrides of the profile's capabilities for this model on this upstream." },
    prompt_cache: { ...promptCache, description: "Prompt-cache settings for this model on this upstream. Default: the upstream's." },
  },
} as const;

const limit = (description: string) => ({ type: 'integer', minimum: 1, description }) as const;

const clientKey = {
  type: 'object',
  description: 'One client key. Its name appears in logs, metrics and usage; the key itself never does, and never goes upstream.',
  additionalProperties: false,
  properties: {
    key: { type: 'string', minLength: 16, description: 'The key, normally a reference to an environment variable: "${APP_ONE_KEY}". Or key_sha256.' },
    key_sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: 'The SHA-256 of the key, in hex, so that the file never holds the key.' },
    models: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'The public model names it may use. Absent: every model.' },
    expires_at: { type: 'string', minLength: 1, description: 'Date and time (ISO 8601, e.g. 2027-06-30T00:00:00Z) from which the key is refused with 401.' },
    limits: {
      type: 'object',
      additionalProperties: false,
      description: 'Absent limits do not apply. Tokens are input + cache writes + output (cache reads are not counted).',
      properties: {
        rpm: limit('Requests per minute (fixed 60 s windows).'),
        tpm: limit('Tokens per minute (fixed 60 s windows).'),
        in_flight: limit('Requests in flight at once.'),
        tokens_per_day: limit('Tokens per UTC day (reset at 00:00 UTC).'),
        tokens_per_month: limit('Tokens per UTC month (reset at 00:00 UTC on the 1st).'),
      },
    },
  },
} as const;

const perMillion = (description: string) => ({ type: 'number', minimum: 0, description }) as const;

const price = {
  type: 'object',
  additionalProperties: false,
  description: 'Price per million tokens of each kind; absent kinds cost nothing.',
  properties: {
    input: perMillion('Input tokens (without cache reads and writes).'),
    output: perMillion('Output tokens (reasoning included).'),
    cache_read: perMillion('Tokens read from the prompt cache.'),
    cache_write: perMillion('Tokens written to the prompt cache.'),
  },
} as const;

export const CONFIG_FILE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'anthropic-proxy configuration file',
  description:
    'Upstreams and model routes of anthropic-proxy (CONFIG_FILE, default anthropic-proxy.yaml). Strings may reference environment variables as ${NAME}. See docs/configuration-file.md.',
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string', description: 'The schema an editor validates this file against.' },
    upstreams: {
      type: 'object',
      description: 'Upstreams by name. When present, UPSTREAM_BASE and SERVER_API_KEY are ignored.',
      minProperties: 1,
      propertyNames: { pattern: NAME },
      additionalProperties: upstream,
    },
    models: {
      type: 'object',
      description: 'Public model name -> the routes that serve it, in order.',
      additionalProperties: { type: 'array', minItems: 1, items: route },
    },
    admin_key: { type: 'string', minLength: 8, description: 'The key of the administration API (GET /admin/usage), normally "${ADMIN_KEY}". Never a client key.' },
    client_keys: {
      type: 'object',
      description: 'Keys handed to apps and teams, by name: the models each may use, its expiry, limits and budgets (docs/client-keys.md).',
      propertyNames: { pattern: NAME },
      additionalProperties: clientKey,
    },
    prices: {
      type: 'object',
      description: 'Prices per public model name, in any currency per million tokens, for the cost in GET /admin/usage.',
      additionalProperties: price,
    },
    prompt_cache: { ...promptCache, description: 'Prompt-cache settings for every upstream (each may set its own). Default: PROMPT_CACHE and PROMPT_CACHE_TTL.' },
  },
} as const;

export const PROFILE_NAMES: readonly string[] = PROFILES;

// Schemas of the Anthropic-native routes. The passthrough forwards the body as the client sent it, so these
// check only what the proxy itself relies on (a JSON object; `model` a string when present) and document
// the rest for the OpenAPI page; the upstream validates the details.

const messageSchema = {
  type: 'object',
  properties: {
    role: { type: 'string', enum: ['user', 'assistant'] },
    content: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'object', additionalProperties: true } }] },
  },
  additionalProperties: true,
} as const;

export const messagesBodySchema = {
  type: 'object',
  description: 'An Anthropic Messages API request; forwarded unchanged except `model` (mapped, or chosen when missing).',
  properties: {
    model: { type: 'string', description: 'Mapped through MODEL_MAP_JSON; when missing, AUTOVISION_MODEL or AUTOTEXT_MODEL' },
    messages: { type: 'array', items: messageSchema },
    max_tokens: { type: 'integer' },
    system: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'object', additionalProperties: true } }] },
    stream: { type: 'boolean' },
    tools: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
  additionalProperties: true,
} as const;

export const countTokensBodySchema = {
  type: 'object',
  description: 'Like a Messages request without max_tokens/stream: model, messages, system, tools, tool_choice, thinking.',
  properties: {
    model: { type: 'string' },
    messages: { type: 'array', items: messageSchema },
    system: messagesBodySchema.properties.system,
    tools: messagesBodySchema.properties.tools,
  },
  additionalProperties: true,
} as const;

export const countTokensResponseSchema = {
  type: 'object',
  properties: {
    input_tokens: { type: 'integer' },
    token_count: { type: 'integer', description: 'COUNT_SHAPE_COMPAT only' },
    input_token_count: { type: 'integer', description: 'COUNT_SHAPE_COMPAT only' },
    proxy_estimate: { type: 'boolean', description: 'Present (true) when the proxy estimated the count locally' },
  },
  required: ['input_tokens'],
  additionalProperties: true,
} as const;

export const messageResponseSchema = {
  type: 'object',
  description: "The upstream's answer, relayed unchanged: an Anthropic Message, or with `stream: true` an SSE stream (text/event-stream) of Anthropic events.",
  properties: {
    id: { type: 'string' },
    type: { type: 'string' },
    role: { type: 'string' },
    model: { type: 'string' },
    content: { type: 'array', items: { type: 'object', additionalProperties: true } },
    stop_reason: { type: ['string', 'null'] },
    usage: { type: 'object', additionalProperties: true },
  },
  additionalProperties: true,
} as const;

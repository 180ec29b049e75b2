// Schemas of the Anthropic-native routes. The passthrough forwards the body as the client sent it, so these
// check only what the service itself reads (a JSON object; `model` a string and `stream` a boolean when
// present). Everything else is documented for the OpenAPI page but left to the upstream: a new field, block
// type, role or beta must never need a release of ours (Claude Code already sends `role: "system"` turns).

/** Documented, never validated here: the upstream decides. */
const upstreamValidated = (description: string) => ({ description: `${description} Forwarded as sent; the upstream validates it.` });

export const messagesBodySchema = {
  type: 'object',
  description: 'An Anthropic Messages API request; forwarded unchanged except `model` (mapped, or chosen when missing).',
  properties: {
    model: { type: 'string', description: 'Mapped through MODEL_MAP_JSON; when missing, AUTOVISION_MODEL or AUTOTEXT_MODEL' },
    stream: { type: 'boolean', description: 'true: the answer is relayed as server-sent events' },
    messages: upstreamValidated('The conversation: turns with a role and string or block content.'),
    max_tokens: upstreamValidated('The output token limit.'),
    system: upstreamValidated('The system prompt: a string or text blocks.'),
    tools: upstreamValidated('Tool definitions.'),
  },
  additionalProperties: true,
} as const;

export const countTokensBodySchema = {
  type: 'object',
  description: 'Like a Messages request without max_tokens/stream: model, messages, system, tools, tool_choice, thinking.',
  properties: {
    model: messagesBodySchema.properties.model,
    messages: messagesBodySchema.properties.messages,
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

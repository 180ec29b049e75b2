// JSON schemas of the /v1/responses routes: validation of the fields we read (a 400 naming the field) and
// the OpenAPI document. Open to every other field (OpenAI keeps adding some; unknown ones are ignored);
// item-level rules live in src/translate/openai-responses/ where the error can say more than a keyword.
// The request schemas are also the request types (src/wire/openai-responses.ts derives them with FromSchema):
// a field is declared once, here, with its literal types kept (`as const`, a const type parameter).

const nullable = <const T extends string>(type: T) => ({ type: [type, 'null'] }) as const;

export const responsesInputItemSchema = {
  type: 'object',
  description: 'An input item: a message ({role, content} with or without type "message"), function_call, function_call_output, custom_tool_call(_output), reasoning or item_reference',
  // OpenAI's schema lets an item's type and id be null (a message, or an item not stored).
  properties: { type: nullable('string'), role: { type: 'string' }, id: nullable('string') },
} as const;

/** A tool: a function, custom or namespace one, or a hosted tool (web_search, mcp, ...) with its own fields. */
export const responsesToolSchema = { type: 'object', properties: { type: { type: 'string' }, name: { type: 'string' } }, required: ['type'] } as const;

/** POST /v1/responses and POST /v1/responses/input_tokens. */
export const responsesRequestSchema = {
  type: 'object',
  description: 'An OpenAI Responses API request. Fields not listed here are accepted and ignored.',
  properties: {
    model: { ...nullable('string'), description: 'Mapped by MODEL_MAP_JSON; when absent AUTOTEXT_MODEL / AUTOVISION_MODEL' },
    input: { type: ['string', 'array'], items: responsesInputItemSchema },
    instructions: nullable('string'),
    tools: { ...nullable('array'), items: responsesToolSchema },
    tool_choice: { type: ['string', 'object', 'null'], properties: { type: { type: 'string' }, name: nullable('string') } },
    parallel_tool_calls: nullable('boolean'),
    max_output_tokens: { ...nullable('integer'), minimum: 1 },
    temperature: { ...nullable('number'), minimum: 0, maximum: 2, description: 'Capped at 1 upstream' },
    top_p: { ...nullable('number'), minimum: 0, maximum: 1 },
    top_k: { ...nullable('integer'), minimum: 0, description: 'Anthropic extension' },
    // Not in OpenAI's Responses API; taken like chat's `stop` when a client sends it (non-string entries dropped).
    stop: { type: ['string', 'array', 'null'] },
    text: {
      ...nullable('object'),
      properties: {
        format: { ...nullable('object'), properties: { type: { type: 'string', enum: ['text', 'json_object', 'json_schema'] }, name: { type: 'string' }, schema: { type: 'object' } }, required: ['type'] },
        verbosity: nullable('string'),
      },
    },
    reasoning: { ...nullable('object'), properties: { effort: nullable('string'), summary: nullable('string') } },
    store: { ...nullable('boolean'), description: 'Default true: kept for previous_response_id, GET and DELETE' },
    metadata: { ...nullable('object'), additionalProperties: { type: 'string' } },
    previous_response_id: nullable('string'),
    context_management: { description: 'Compaction: [{type: "compaction", compact_threshold}] compacts the history first when the input passes the threshold' },
    include: { ...nullable('array'), items: { type: 'string' } },
    stream: nullable('boolean'),
    user: nullable('string'),
    safety_identifier: nullable('string'),
    background: nullable('boolean'),
  },
} as const;

const outputItem = { type: 'object', additionalProperties: true, properties: { id: { type: 'string' }, type: { type: 'string' } } } as const;

/** A response object (POST /v1/responses without stream, GET /v1/responses/{id}). */
export const responseObjectSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    object: { type: 'string', enum: ['response'] },
    created_at: { type: 'integer' },
    status: { type: 'string', enum: ['completed', 'incomplete', 'failed', 'in_progress'] },
    model: { type: 'string' },
    output: { type: 'array', items: outputItem },
    usage: { ...nullable('object'), additionalProperties: true },
  },
  required: ['id', 'object', 'created_at', 'status', 'model', 'output'],
} as const;

/** POST /v1/responses/compact: the user messages of the history, then one compaction item. */
export const compactedResponseSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    object: { type: 'string', enum: ['response.compaction'] },
    created_at: { type: 'integer' },
    output: { type: 'array', items: outputItem },
    usage: { type: 'object', additionalProperties: true },
  },
  required: ['id', 'object', 'created_at', 'output', 'usage'],
} as const;

export const responseIdParamsSchema = {
  type: 'object',
  properties: { id: { type: 'string', description: 'A response id (resp_…)' } },
  required: ['id'],
} as const;

export const deletedResponseSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, object: { type: 'string', enum: ['response.deleted'] }, deleted: { type: 'boolean' } },
  required: ['id', 'object', 'deleted'],
} as const;

export const inputItemsQuerySchema = {
  type: 'object',
  properties: {
    // Query strings are text (the app does not coerce types): the route checks the range.
    limit: { type: 'string', pattern: '^[0-9]{1,3}$', description: '1 to 100, default 20' },
    order: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
    after: { type: 'string' },
    before: { type: 'string' },
  },
} as const;

export const inputItemsListSchema = {
  type: 'object',
  properties: {
    object: { type: 'string', enum: ['list'] },
    data: { type: 'array', items: outputItem },
    first_id: nullable('string'),
    last_id: nullable('string'),
    has_more: { type: 'boolean' },
  },
  required: ['object', 'data', 'first_id', 'last_id', 'has_more'],
} as const;

export const inputTokensSchema = {
  type: 'object',
  properties: { object: { type: 'string', enum: ['response.input_tokens'] }, input_tokens: { type: 'integer' } },
  required: ['object', 'input_tokens'],
} as const;

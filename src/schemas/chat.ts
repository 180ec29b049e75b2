// JSON schema of POST /v1/chat/completions: used by fastify to validate the body (a 400 naming the field)
// and by the OpenAPI document. It checks the types of the fields we read and nothing else: every optional
// field also takes null (OpenAI's API reads null as absent, and SDKs send it, e.g. the Agents SDK's
// `refusal: null` on replayed text parts), and fields we drop are not checked at all. Unknown fields are
// ignored (OpenAI keeps adding some). Per-role rules live in src/translate/ where the error can say more
// than a schema keyword would.
// The request schemas are also the request types: src/wire/openai-chat.ts derives them with FromSchema, so
// every helper keeps its literal types (`as const` on each part, a const type parameter on `nullable`).

const nullable = <const T extends string>(type: T) => ({ type: [type, 'null'] }) as const;
/** A field the translation drops: documented, never checked (its type is `unknown`). */
const ignored = (description: string) => ({ description: `Ignored: ${description}` });

export const cacheControlSchema = {
  type: ['object', 'null'],
  properties: { type: { type: 'string' }, ttl: nullable('string') },
  required: ['type'],
} as const;

export const chatContentPartSchema = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['text', 'image_url', 'input_audio', 'file', 'refusal'] },
    text: { type: 'string' },
    // OpenAI sends {url, detail}; some clients send the URL as a plain string.
    image_url: {
      type: ['object', 'string'],
      properties: { url: { type: 'string' }, detail: ignored('Anthropic has no detail level') },
      required: ['url'],
    },
    file: {
      type: 'object',
      properties: { file_data: nullable('string'), file_id: nullable('string'), filename: nullable('string'), file_url: nullable('string') },
    },
    refusal: ignored('an earlier refusal is not replayed'),
    cache_control: cacheControlSchema,
  },
  required: ['type'],
} as const;

export const chatToolCallSchema = {
  type: 'object',
  description: 'A function call ({type:"function", function:{name, arguments}}) or a custom tool call ({type:"custom", custom:{name, input}})',
  properties: {
    id: { type: 'string' },
    type: { type: 'string', enum: ['function', 'custom'] },
    function: {
      type: 'object',
      properties: { name: { type: 'string' }, arguments: nullable('string') },
      required: ['name'],
    },
    custom: {
      type: 'object',
      properties: { name: { type: 'string' }, input: nullable('string') },
      required: ['name'],
    },
    cache_control: cacheControlSchema,
  },
  required: ['id'],
} as const;

export const chatFunctionCallSchema = {
  type: 'object',
  properties: { name: { type: 'string' }, arguments: nullable('string') },
  required: ['name'],
} as const;

export const chatMessageSchema = {
  type: 'object',
  properties: {
    role: { type: 'string', enum: ['system', 'developer', 'user', 'assistant', 'tool', 'function'] },
    content: { type: ['string', 'array', 'null'], items: chatContentPartSchema },
    name: nullable('string'),
    tool_calls: { ...nullable('array'), items: chatToolCallSchema },
    tool_call_id: nullable('string'),
    function_call: { ...nullable('object'), properties: chatFunctionCallSchema.properties, required: chatFunctionCallSchema.required },
    reasoning_content: nullable('string'),
    reasoning_signature: nullable('string'),
    thinking_blocks: {
      ...nullable('array'),
      items: {
        type: 'object',
        properties: { type: { type: 'string' }, thinking: nullable('string'), signature: nullable('string'), data: nullable('string') },
        required: ['type'],
      },
    },
    cache_control: cacheControlSchema,
  },
  required: ['role'],
} as const;

export const chatFunctionDefinitionSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    description: nullable('string'),
    parameters: nullable('object'),
    strict: ignored('Anthropic has no strict mode for tool inputs'),
  },
  required: ['name'],
} as const;

export const chatCustomToolDefinitionSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    description: nullable('string'),
    format: {
      ...nullable('object'),
      properties: { type: { type: 'string' }, grammar: { ...nullable('object'), properties: { definition: { type: 'string' }, syntax: { type: 'string' } } } },
    },
  },
  required: ['name'],
} as const;

export const chatCompletionRequestSchema = {
  $id: 'ChatCompletionRequest',
  type: 'object',
  description: 'An OpenAI chat completion request. Fields not listed here are accepted and ignored.',
  properties: {
    model: { ...nullable('string'), description: 'Mapped by MODEL_MAP_JSON; when absent AUTOTEXT_MODEL / AUTOVISION_MODEL' },
    messages: { type: 'array', minItems: 1, items: chatMessageSchema },
    max_tokens: { ...nullable('integer'), minimum: 1 },
    max_completion_tokens: { ...nullable('integer'), minimum: 1 },
    temperature: { ...nullable('number'), minimum: 0, maximum: 2, description: 'Capped at 1 upstream' },
    top_p: { ...nullable('number'), minimum: 0, maximum: 1 },
    top_k: { ...nullable('integer'), minimum: 0, description: 'Anthropic extension' },
    n: nullable('integer'),
    stop: { type: ['string', 'array', 'null'], items: { type: 'string' } },
    stream: nullable('boolean'),
    stream_options: { ...nullable('object'), properties: { include_usage: nullable('boolean') } },
    tools: {
      ...nullable('array'),
      items: {
        type: 'object',
        properties: { type: { type: 'string' }, function: chatFunctionDefinitionSchema, custom: chatCustomToolDefinitionSchema, cache_control: cacheControlSchema },
        required: ['type'],
      },
    },
    tool_choice: {
      type: ['string', 'object', 'null'],
      properties: {
        type: { type: 'string' },
        function: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        custom: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
      },
      required: ['type'],
    },
    parallel_tool_calls: nullable('boolean'),
    functions: { ...nullable('array'), items: chatFunctionDefinitionSchema },
    function_call: { type: ['string', 'object', 'null'], properties: { name: { type: 'string' } }, required: ['name'] },
    response_format: {
      ...nullable('object'),
      properties: {
        type: { type: 'string', enum: ['text', 'json_object', 'json_schema'] },
        json_schema: {
          type: 'object',
          properties: { name: nullable('string'), description: nullable('string'), schema: nullable('object'), strict: ignored('the schema is always given to the model') },
        },
      },
      required: ['type'],
    },
    // Every value OpenAI's schema lists (src/profiles/effort.ts says what each becomes).
    reasoning_effort: { type: ['string', 'null'], enum: ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max', null] },
    thinking: {
      ...nullable('object'),
      description: 'Anthropic extension, passed through',
      properties: { type: { type: 'string' }, budget_tokens: { type: 'integer', minimum: 1 } },
      required: ['type'],
    },
    user: nullable('string'),
    safety_identifier: nullable('string'),
  },
  required: ['messages'],
} as const;

const toolCallOut = {
  type: 'object',
  description: 'type "function" carries `function`, type "custom" (a custom tool) carries `custom`',
  properties: {
    id: { type: 'string' },
    type: { type: 'string', enum: ['function', 'custom'] },
    function: { type: 'object', properties: { name: { type: 'string' }, arguments: { type: 'string' } }, required: ['name', 'arguments'] },
    custom: { type: 'object', properties: { name: { type: 'string' }, input: { type: 'string' } }, required: ['name', 'input'] },
  },
  required: ['id', 'type'],
} as const;

/** The non-streaming answer (a stream answers text/event-stream chunks instead). */
export const chatCompletionSchema = {
  $id: 'ChatCompletion',
  type: 'object',
  properties: {
    id: { type: 'string' },
    object: { type: 'string', enum: ['chat.completion'] },
    created: { type: 'integer' },
    model: { type: 'string' },
    choices: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          index: { type: 'integer' },
          message: {
            type: 'object',
            properties: {
              role: { type: 'string', enum: ['assistant'] },
              content: { type: ['string', 'null'] },
              refusal: { type: 'null' },
              tool_calls: { type: 'array', items: toolCallOut },
              function_call: { type: 'object', properties: { name: { type: 'string' }, arguments: { type: 'string' } }, required: ['name', 'arguments'] },
              reasoning_content: { type: 'string' },
              thinking_blocks: {
                type: 'array',
                items: { type: 'object', properties: { type: { type: 'string' }, thinking: { type: 'string' }, signature: { type: 'string' }, data: { type: 'string' } } },
              },
            },
            required: ['role', 'content', 'refusal'],
          },
          finish_reason: { type: 'string', enum: ['stop', 'length', 'tool_calls', 'content_filter', 'function_call'] },
          logprobs: { type: 'null' },
        },
        required: ['index', 'message', 'finish_reason', 'logprobs'],
      },
    },
    usage: {
      type: 'object',
      properties: {
        prompt_tokens: { type: 'integer' },
        completion_tokens: { type: 'integer' },
        total_tokens: { type: 'integer' },
        prompt_tokens_details: {
          type: 'object',
          properties: {
            cached_tokens: { type: 'integer', description: 'Anthropic cache_read_input_tokens' },
            cache_write_tokens: { type: 'integer', description: 'Anthropic cache_creation_input_tokens (OpenAI\'s name for cache writes)' },
            cache_creation_tokens: { type: 'integer', description: 'Anthropic cache_creation_input_tokens (the same count, the earlier name)' },
            cache_creation: { type: 'object', additionalProperties: { type: 'integer' }, description: "Anthropic's cache writes by TTL, when reported" },
          },
        },
        completion_tokens_details: { type: 'object', properties: { reasoning_tokens: { type: 'integer', description: 'Anthropic output_tokens_details.thinking_tokens, estimated from the thinking text when the upstream does not count it' } } },
        server_tool_use: { type: 'object', additionalProperties: { type: 'integer' }, description: 'Anthropic server tool requests (web_search_requests...), when reported' },
      },
      required: ['prompt_tokens', 'completion_tokens', 'total_tokens'],
    },
  },
  required: ['id', 'object', 'created', 'model', 'choices', 'usage'],
} as const;

// JSON schemas shared by validation and the OpenAPI document.

export const openAIErrorSchema = {
  $id: 'OpenAIError',
  type: 'object',
  description: "OpenAI's error shape",
  properties: {
    error: {
      type: 'object',
      properties: {
        message: { type: 'string' },
        type: { type: 'string' },
        param: { type: ['string', 'null'] },
        code: { type: ['string', 'null'] },
      },
      required: ['message', 'type', 'param', 'code'],
    },
  },
  required: ['error'],
} as const;

export const anthropicErrorSchema = {
  $id: 'AnthropicError',
  type: 'object',
  description: "Anthropic's error shape",
  properties: {
    type: { type: 'string', enum: ['error'] },
    error: {
      type: 'object',
      properties: { type: { type: 'string' }, message: { type: 'string' } },
      required: ['type', 'message'],
    },
  },
  required: ['type', 'error'],
} as const;

export const openAIErrorRef = { $ref: 'OpenAIError#' } as const;
export const anthropicErrorRef = { $ref: 'AnthropicError#' } as const;

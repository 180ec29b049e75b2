// OpenAI chat-completions wire types: the request fields we read, and the completion, chunks and errors we
// write. The request side is loose on purpose where clients vary (the JSON schema has checked the types);
// the answer side is exact. Shapes follow OpenAI's API reference for chat completions; `thinking`,
// `cache_control`, `reasoning_content` and `thinking_blocks` are the extensions Anthropic-minded clients use.
import type { FromSchema } from 'json-schema-to-ts';
import type {
  chatCompletionRequestSchema,
  chatContentPartSchema,
  chatCustomToolDefinitionSchema,
  chatFunctionDefinitionSchema,
  chatMessageSchema,
  chatToolCallSchema,
} from '../schemas/chat.ts';
import type { RedactedThinkingBlock, ThinkingBlock } from './anthropic.ts';

// ---- request ----
// Derived from the request's JSON schema (src/schemas/chat.ts), which fastify validates the body against: a
// field is declared once, there, so type and validation cannot disagree. Like the schema, an object keeps
// unknown fields (`[field: string]: unknown`) and a field it leaves unchecked is `unknown`.

export type ChatContentPart = FromSchema<typeof chatContentPartSchema>;

export type ChatContent = ChatMessage['content'];

/** `cache_control` on a part, message, tool call or tool, as the client sent it (its ttl may be null). */
export type ChatCacheControl = ChatContentPart['cache_control'];

export type ChatToolCall = FromSchema<typeof chatToolCallSchema>;

export type ChatMessage = FromSchema<typeof chatMessageSchema>;

/** A thinking block a client sends back, as it kept it: checked before it is replayed upstream. */
export type ThinkingBlockIn = NonNullable<ChatMessage['thinking_blocks']>[number];

export type ChatFunctionDefinition = FromSchema<typeof chatFunctionDefinitionSchema>;

/** OpenAI's custom tool: free-form text input, optionally constrained by a grammar. */
export type ChatCustomToolDefinition = FromSchema<typeof chatCustomToolDefinitionSchema>;

export type ChatCompletionRequest = FromSchema<typeof chatCompletionRequestSchema>;

export type ChatTool = NonNullable<ChatCompletionRequest['tools']>[number];

export type ChatToolChoice = NonNullable<ChatCompletionRequest['tool_choice']>;

export type ChatResponseFormat = NonNullable<ChatCompletionRequest['response_format']>;

// ---- answers ----

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number; cache_write_tokens: number; cache_creation_tokens: number; cache_creation?: Record<string, number> };
  completion_tokens_details: { reasoning_tokens: number };
  /** Anthropic's server tool requests (web_search_requests...), which OpenAI has no field for. */
  server_tool_use?: Record<string, number>;
}

export type ChatToolCallOut =
  | { id: string; type: 'function'; function: { name: string; arguments: string } }
  | { id: string; type: 'custom'; custom: { name: string; input: string } };

export interface ChatCompletionMessage {
  role: 'assistant';
  content: string | null;
  refusal: null;
  tool_calls?: ChatToolCallOut[];
  function_call?: { name: string; arguments: string };
  /** Joined thinking text, when the model thought. */
  reasoning_content?: string;
  /** The thinking blocks with their signatures, so a client can replay them in the next turn. */
  thinking_blocks?: Array<ThinkingBlock | RedactedThinkingBlock>;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: [{ index: 0; message: ChatCompletionMessage; finish_reason: FinishReason; logprobs: null }];
  usage: OpenAIUsage;
}

// ---- stream chunks ----

export type ChunkToolCall =
  | { index: number; id: string; type: 'function'; function: { name: string; arguments: string } }
  | { index: number; function: { arguments: string } }
  | { index: number; id: string; type: 'custom'; custom: { name: string; input: string } }
  | { index: number; custom: { input: string } };

/**
 * A JSON string kept as the upstream wrote it (`JSON.rawJSON`): JSON.stringify emits it verbatim. Only the
 * stream translator's text-delta fast path makes one; it never leaves the encoder.
 */
export interface RawJsonString {
  readonly rawJSON: string;
}

export interface ChunkDelta {
  role?: 'assistant';
  content?: string | RawJsonString;
  reasoning_content?: string;
  /** Complete thinking blocks, once each, so a client can send them back on the next turn. */
  thinking_blocks?: Array<ThinkingBlock | RedactedThinkingBlock>;
  tool_calls?: ChunkToolCall[];
  /** Legacy `functions` requests: the one call, as OpenAI streamed it before tools. */
  function_call?: { name?: string; arguments: string };
}

export interface ChunkChoice {
  index: 0;
  delta: ChunkDelta;
  logprobs: null;
  finish_reason: FinishReason | null;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: ChunkChoice[];
  /** Present only with stream_options.include_usage: null on every chunk but the last. */
  usage?: OpenAIUsage | null;
}

// ---- errors ----

/** OpenAI's error envelope, for answers and for the error chunk that ends a failed stream. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

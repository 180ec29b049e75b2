// OpenAI chat-completions wire types: the request fields we read, and the completion, chunks and errors we
// write. The request side is loose on purpose where clients vary (the JSON schema has checked the types);
// the answer side is exact. Shapes follow OpenAI's API reference for chat completions; `thinking`,
// `cache_control`, `reasoning_content` and `thinking_blocks` are the extensions Anthropic-minded clients use.
import type { AnthropicThinking, CacheControl, RedactedThinkingBlock, ThinkingBlock } from './anthropic.ts';

// ---- request ----

export interface ChatContentPart {
  type: string;
  text?: string;
  image_url?: string | { url?: string; detail?: string };
  input_audio?: unknown;
  file?: { file_data?: string | null; file_id?: string | null; filename?: string | null; file_url?: string | null };
  /** Dropped: an earlier refusal is not replayed (clients send null here too). */
  refusal?: unknown;
  cache_control?: CacheControl | null;
}

export type ChatContent = string | ChatContentPart[] | null | undefined;

export interface ChatToolCall {
  id: string;
  type?: string;
  /** A function tool's call (type "function", the default). */
  function?: { name: string; arguments?: string | null };
  /** A custom tool's call (type "custom"): the raw text input. */
  custom?: { name: string; input?: string | null };
  cache_control?: CacheControl | null;
}

/** A thinking block a client sends back, as it kept it: checked before it is replayed upstream. */
export interface ThinkingBlockIn {
  type: string;
  thinking?: string | null;
  signature?: string | null;
  data?: string | null;
}

export interface ChatMessage {
  role: string;
  content?: ChatContent;
  name?: string | null;
  tool_calls?: ChatToolCall[] | null;
  tool_call_id?: string | null;
  function_call?: { name: string; arguments?: string | null } | null;
  reasoning_content?: string | null;
  reasoning_signature?: string | null;
  thinking_blocks?: ThinkingBlockIn[] | null;
  cache_control?: CacheControl | null;
}

export interface ChatFunctionDefinition {
  name: string;
  description?: string | null;
  parameters?: Record<string, unknown> | null;
  strict?: unknown;
}

/** OpenAI's custom tool: free-form text input, optionally constrained by a grammar. */
export interface ChatCustomToolDefinition {
  name: string;
  description?: string | null;
  /** `{type:"text"}` or `{type:"grammar", grammar:{definition, syntax:"lark"|"regex"}}`. */
  format?: { type: string; grammar?: { definition?: string; syntax?: string } | null } | null;
}

export interface ChatTool {
  type: string;
  function?: ChatFunctionDefinition;
  custom?: ChatCustomToolDefinition;
  cache_control?: CacheControl | null;
}

export type ChatToolChoice = string | { type: string; function?: { name: string }; custom?: { name: string } };

export interface ChatResponseFormat {
  type: string;
  json_schema?: { name?: string | null; description?: string | null; schema?: Record<string, unknown> | null; strict?: unknown };
}

export interface ChatCompletionRequest {
  model?: string | null;
  messages: ChatMessage[];
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  top_k?: number | null;
  n?: number | null;
  stop?: string | string[] | null;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean | null } | null;
  tools?: ChatTool[] | null;
  tool_choice?: ChatToolChoice | null;
  parallel_tool_calls?: boolean | null;
  functions?: ChatFunctionDefinition[] | null;
  function_call?: string | { name: string } | null;
  response_format?: ChatResponseFormat | null;
  reasoning_effort?: string | null;
  thinking?: AnthropicThinking | null;
  user?: string | null;
  safety_identifier?: string | null;
}

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

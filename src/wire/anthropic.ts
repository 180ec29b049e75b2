// Anthropic Messages API wire types: the request we write, and the answers, stream events and errors we
// read. Loose where upstreams vary (Anthropic-compatible ones differ in detail): fields are checked where
// they are used. Shapes follow Anthropic's Messages API reference and its "Streaming Messages" page.

export interface CacheControl {
  type: string;
  ttl?: string;
}

// ---- request ----

export interface TextBlock {
  type: 'text';
  text: string;
  cache_control?: CacheControl;
}

export type MediaSource =
  | { type: 'base64'; media_type: string; data: string }
  | { type: 'url'; url: string }
  | { type: 'text'; media_type: 'text/plain'; data: string };

export interface ImageBlock {
  type: 'image';
  source: MediaSource;
  cache_control?: CacheControl;
}

export interface DocumentBlock {
  type: 'document';
  source: MediaSource;
  title?: string;
  cache_control?: CacheControl;
}

export interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: Record<string, unknown>;
  cache_control?: CacheControl;
}

export interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | Array<TextBlock | ImageBlock | DocumentBlock>;
  is_error?: boolean;
  cache_control?: CacheControl;
}

/** A thinking block as Anthropic sends it and accepts it back (the signature makes it replayable). */
export interface ThinkingBlock {
  type: 'thinking';
  thinking: string;
  signature: string;
}

export interface RedactedThinkingBlock {
  type: 'redacted_thinking';
  data: string;
}

export type ContentBlock = TextBlock | ImageBlock | DocumentBlock | ToolUseBlock | ToolResultBlock | ThinkingBlock | RedactedThinkingBlock;

export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: ContentBlock[];
}

export interface AnthropicTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  cache_control?: CacheControl;
}

export type AnthropicToolChoice =
  | { type: 'auto' | 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' };

export interface AnthropicThinking {
  type: string;
  budget_tokens?: number;
  [extra: string]: unknown;
}

export interface AnthropicRequest {
  model: string;
  max_tokens: number;
  system?: TextBlock[];
  messages: AnthropicMessage[];
  tools?: AnthropicTool[];
  tool_choice?: AnthropicToolChoice;
  stop_sequences?: string[];
  temperature?: number;
  top_p?: number;
  top_k?: number;
  metadata?: { user_id: string };
  thinking?: AnthropicThinking;
  /** How much the model spends (Anthropic's effort parameter, with adaptive thinking). */
  output_config?: { effort?: string; [extra: string]: unknown };
  stream?: boolean;
}

// ---- answers ----

/** Token counters; the three input counters do not overlap. */
export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  /** Cache writes by TTL: ephemeral_5m_input_tokens, ephemeral_1h_input_tokens. */
  cache_creation?: Record<string, number> | null;
  /** Breakdown of output_tokens; thinking_tokens counts the model's reasoning. */
  output_tokens_details?: { thinking_tokens?: number | null } | null;
  /** Requests of server-side tools, e.g. web_search_requests. */
  server_tool_use?: Record<string, number> | null;
}

/** A non-streaming Messages API answer, as far as we read it. */
export interface AnthropicResponse {
  id?: string;
  model?: string;
  content?: Array<{ type: string; text?: string; id?: string; name?: string; input?: unknown; thinking?: string; signature?: string; data?: string }>;
  stop_reason?: string | null;
  usage?: AnthropicUsage | null;
}

/** One parsed stream event (message_start, content_block_*, message_delta, message_stop, ping, error). */
export interface AnthropicStreamEvent {
  type: string;
  index?: unknown;
  message?: { id?: unknown; model?: unknown; usage?: AnthropicUsage | null; stop_reason?: unknown } | null;
  content_block?: { type?: unknown; text?: unknown; id?: unknown; name?: unknown; input?: unknown; thinking?: unknown; signature?: unknown; data?: unknown } | null;
  delta?: { type?: unknown; text?: unknown; partial_json?: unknown; thinking?: unknown; signature?: unknown; stop_reason?: unknown } | null;
  usage?: AnthropicUsage | null;
  error?: { type?: unknown; message?: unknown } | null;
}

/** Anthropic's error envelope, for answers and for the `error` stream event. */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
}

/** Anthropic's error types and the HTTP status each comes with (Anthropic's "Errors" page). */
export const ANTHROPIC_ERROR_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

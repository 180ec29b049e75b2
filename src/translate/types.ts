// Wire types for the chat-completions translation: the OpenAI request fields we read and the Anthropic
// Messages shapes we write. Loose on purpose where clients vary; the JSON schema already checked the types.

export interface CacheControl {
  type: string;
  ttl?: string;
}

export interface ChatContentPart {
  type: string;
  text?: string;
  image_url?: string | { url?: string; detail?: string };
  input_audio?: unknown;
  file?: { file_data?: string; file_id?: string; filename?: string; file_url?: string };
  refusal?: string;
  cache_control?: CacheControl;
}

export type ChatContent = string | ChatContentPart[] | null | undefined;

export interface ChatToolCall {
  id: string;
  type?: string;
  function: { name: string; arguments?: string };
}

export interface ThinkingBlockIn {
  type: string;
  thinking?: string;
  signature?: string;
  data?: string;
}

export interface ChatMessage {
  role: string;
  content?: ChatContent;
  name?: string;
  tool_calls?: ChatToolCall[] | null;
  tool_call_id?: string;
  function_call?: { name: string; arguments?: string } | null;
  reasoning_content?: string | null;
  reasoning_signature?: string | null;
  thinking_blocks?: ThinkingBlockIn[] | null;
  cache_control?: CacheControl;
}

export interface ChatFunctionDefinition {
  name: string;
  description?: string;
  parameters?: Record<string, unknown>;
  strict?: boolean | null;
}

export interface ChatTool {
  type: string;
  function: ChatFunctionDefinition;
  cache_control?: CacheControl;
}

export type ChatToolChoice = string | { type: string; function?: { name: string } };

export interface ChatResponseFormat {
  type: string;
  json_schema?: { name?: string; description?: string; schema?: Record<string, unknown>; strict?: boolean | null };
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

// ---- Anthropic side ----

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
}

export interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | Array<TextBlock | ImageBlock | DocumentBlock>;
}

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
  stream?: boolean;
}

/** A non-streaming Messages API answer, as far as we read it. */
export interface AnthropicResponse {
  id?: string;
  model?: string;
  content?: Array<{ type: string; text?: string; id?: string; name?: string; input?: unknown; thinking?: string; signature?: string; data?: string }>;
  stop_reason?: string | null;
  usage?: import('./usage.ts').AnthropicUsage | null;
}

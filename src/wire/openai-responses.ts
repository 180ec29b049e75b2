// OpenAI Responses API wire types: the request fields we read, the items and the response and stream
// event shapes we write. Loose on purpose where clients vary (every field optional, unknown ones ignored);
// the JSON schema has already checked the types of the fields we read. Shapes follow OpenAI's API reference
// for Responses (create, retrieve, input items, streaming events) and the Open Responses specification.

// ---- content parts ----

export interface InputTextPart {
  type: 'input_text' | 'output_text' | 'text' | 'summary_text' | 'reasoning_text';
  text: string;
  annotations?: unknown[];
}

export interface InputImagePart {
  type: 'input_image';
  image_url?: string | null;
  file_id?: string | null;
  detail?: string;
}

export interface InputFilePart {
  type: 'input_file';
  file_data?: string | null;
  file_id?: string | null;
  file_url?: string | null;
  filename?: string | null;
}

export interface RefusalPart {
  type: 'refusal';
  refusal: string;
}

export type ContentPart = InputTextPart | InputImagePart | InputFilePart | RefusalPart | { type: string; [field: string]: unknown };

// ---- items ----

export interface MessageItem {
  type?: 'message';
  id?: string;
  role: string;
  content: string | ContentPart[];
  status?: string;
}

export interface FunctionCallItem {
  type: 'function_call';
  id?: string;
  call_id: string;
  name: string;
  arguments: string;
  namespace?: string;
  status?: string;
}

export interface FunctionCallOutputItem {
  type: 'function_call_output';
  id?: string | null;
  call_id: string;
  output: string | ContentPart[];
  status?: string | null;
}

export interface CustomToolCallItem {
  type: 'custom_tool_call';
  id?: string;
  call_id: string;
  name: string;
  input: string;
  namespace?: string;
  status?: string;
}

export interface CustomToolCallOutputItem {
  type: 'custom_tool_call_output';
  id?: string | null;
  call_id: string;
  output: string | ContentPart[];
}

export interface SummaryText {
  type: 'summary_text';
  text: string;
}

export interface ReasoningItem {
  type: 'reasoning';
  id?: string;
  summary?: SummaryText[];
  content?: Array<{ type: string; text: string }> | null;
  encrypted_content?: string | null;
  status?: string;
}

export interface ItemReference {
  type?: 'item_reference' | null;
  id: string;
}

/** Any input item; `type` is missing on a plain `{role, content}` message. */
export type InputItem =
  | MessageItem
  | FunctionCallItem
  | FunctionCallOutputItem
  | CustomToolCallItem
  | CustomToolCallOutputItem
  | ReasoningItem
  | ItemReference
  | { type: string; id?: string; [field: string]: unknown };

// ---- tools ----

export interface FunctionTool {
  type: 'function';
  name: string;
  description?: string | null;
  parameters?: Record<string, unknown> | null;
  strict?: boolean | null;
}

export interface CustomTool {
  type: 'custom';
  name: string;
  description?: string;
  /** `{type:"text"}` or `{type:"grammar", syntax:"lark"|"regex", definition}`. */
  format?: { type: string; syntax?: string; definition?: string };
}

export interface NamespaceTool {
  type: 'namespace';
  name: string;
  description?: string;
  tools: Array<FunctionTool | CustomTool>;
}

/** Hosted tools (web_search, file_search, code_interpreter, mcp, ...) have other shapes. */
export type Tool = FunctionTool | CustomTool | NamespaceTool | { type: string; name?: string; [field: string]: unknown };

export type ToolChoice =
  | 'auto'
  | 'none'
  | 'required'
  | { type: 'function' | 'custom'; name: string }
  | { type: 'allowed_tools'; mode?: 'auto' | 'required'; tools?: Array<{ type: string; name?: string }> }
  | { type: string; [field: string]: unknown };

export interface TextFormat {
  type: string;
  name?: string;
  description?: string;
  schema?: Record<string, unknown>;
  strict?: boolean | null;
}

export interface TextConfig {
  format?: TextFormat | null;
  verbosity?: string | null;
}

export interface ReasoningConfig {
  effort?: string | null;
  summary?: string | null;
  generate_summary?: string | null;
}

export interface ResponsesRequest {
  model?: string | null;
  input?: string | InputItem[] | null;
  instructions?: string | null;
  tools?: Tool[] | null;
  tool_choice?: ToolChoice | null;
  parallel_tool_calls?: boolean | null;
  max_output_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  /** Not in OpenAI's Responses API: Anthropic's top_k, accepted as on chat. */
  top_k?: number | null;
  /** Not in OpenAI's Responses API; accepted like chat's `stop` when a client sends it. */
  stop?: string | string[] | null;
  text?: TextConfig | null;
  reasoning?: ReasoningConfig | null;
  store?: boolean | null;
  metadata?: Record<string, string> | null;
  previous_response_id?: string | null;
  include?: string[] | null;
  stream?: boolean | null;
  user?: string | null;
  safety_identifier?: string | null;
  prompt_cache_key?: string | null;
  service_tier?: string | null;
  truncation?: string | null;
  background?: boolean | null;
  conversation?: unknown;
  prompt?: unknown;
  max_tool_calls?: number | null;
  /** `[{type: "compaction", compact_threshold}]`: compact the history first when the input passes the threshold. */
  context_management?: unknown;
}

// ---- what we answer ----

export interface OutputText {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs?: unknown[];
}

export interface OutputMessage {
  id: string;
  type: 'message';
  status: 'in_progress' | 'completed' | 'incomplete';
  role: 'assistant';
  content: OutputText[];
}

export interface OutputFunctionCall {
  id: string;
  type: 'function_call';
  status: 'in_progress' | 'completed' | 'incomplete';
  arguments: string;
  call_id: string;
  name: string;
  namespace?: string;
}

export interface OutputCustomToolCall {
  id: string;
  type: 'custom_tool_call';
  status: 'in_progress' | 'completed' | 'incomplete';
  call_id: string;
  name: string;
  input: string;
  namespace?: string;
}

export interface OutputReasoning {
  id: string;
  type: 'reasoning';
  summary: SummaryText[];
  encrypted_content?: string;
  status?: 'in_progress' | 'completed' | 'incomplete';
}

export type OutputItem = OutputMessage | OutputFunctionCall | OutputCustomToolCall | OutputReasoning;

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

/** The request's parameters as a response echoes them. */
export interface ResponseEcho {
  instructions: string | null;
  max_output_tokens: number | null;
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: string | null; summary: string | null };
  store: boolean;
  temperature: number;
  text: { format: Record<string, unknown>; verbosity?: string };
  tool_choice: unknown;
  tools: unknown[];
  top_p: number;
  truncation: string;
  metadata: Record<string, string>;
  user?: string;
  safety_identifier?: string;
  prompt_cache_key?: string;
  service_tier?: string;
}

export interface ResponseObject extends ResponseEcho {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  background: false;
  completed_at?: number | null;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
  model: string;
  output: OutputItem[];
  usage: ResponsesUsage | null;
}

/** One streaming event: `type` plus its fields; the machine adds `sequence_number`. */
export interface ResponsesStreamEvent {
  type: string;
  sequence_number: number;
  [field: string]: unknown;
}

// OpenAI Responses API wire types: the request fields we read, the items and the response and stream
// event shapes we write. Shapes follow OpenAI's API reference for Responses (create, retrieve, input items,
// streaming events) and the Open Responses specification.
import type { FromSchema } from 'json-schema-to-ts';
import type { responsesInputItemSchema, responsesRequestSchema, responsesToolSchema } from '../schemas/responses.ts';

// ---- request ----
// Derived from the request's JSON schema (src/schemas/responses.ts), which fastify validates the body
// against: a field is declared once, there. The schema is deliberately open (items and tools check only the
// fields every kind shares; unknown fields are kept, typed `unknown`); the item-level rules are
// src/translate/openai-responses/'s, which reads the rest of each item as it checks it.

export type ResponsesRequest = FromSchema<typeof responsesRequestSchema>;

/** Any input item; `type` is missing on a plain `{role, content}` message. */
export type InputItem = FromSchema<typeof responsesInputItemSchema>;

/** A content part of a message or a tool output: the schema leaves it unchecked, the translation checks it. */
export interface ContentPart {
  type: string;
  [field: string]: unknown;
}

export type Tool = FromSchema<typeof responsesToolSchema>;

/**
 * A function tool as the translation reads it, once `type` says so: the schema checks `type` and `name`
 * only, the translation the rest (tool-schema.ts for `parameters`).
 */
export type FunctionTool = Tool & { type: 'function'; name: string; description?: string | null; parameters?: Record<string, unknown> | null };

/** A custom tool (free-form text input); `format` is `{type:"text"}` or `{type:"grammar", syntax, definition}`. */
export type CustomTool = Tool & { type: 'custom'; name: string; description?: string; format?: { type: string; syntax?: string; definition?: string } };

/** A namespace of function and custom tools (flattened by the translation). */
export type NamespaceTool = Tool & { type: 'namespace'; name: string; description?: string; tools: Array<FunctionTool | CustomTool> };

export type ToolChoice = NonNullable<ResponsesRequest['tool_choice']>;

export type TextFormat = NonNullable<NonNullable<ResponsesRequest['text']>['format']>;

export interface SummaryText {
  type: 'summary_text';
  text: string;
}

// ---- what we answer ----

export interface OutputText {
  type: 'output_text';
  text: string;
  annotations: unknown[];
  logprobs: unknown[];
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
  presence_penalty: number;
  frequency_penalty: number;
  top_logprobs: number;
  max_tool_calls: number | null;
  service_tier: string | null;
  safety_identifier: string | null;
  prompt_cache_key: string | null;
  user?: string;
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
  /** Left out until the answer is complete (OpenAI's schema has no null usage). */
  usage?: ResponsesUsage;
}

/** One streaming event: `type` plus its fields; the machine adds `sequence_number`. */
export interface ResponsesStreamEvent {
  type: string;
  sequence_number: number;
  [field: string]: unknown;
}

// The canonical Anthropic body the translators build -> the body one model accepts, as its profile says:
// the thinking form and effort, max_tokens within the model's limit, the sampling parameters it takes,
// image and document blocks it cannot read turned into text notes, cache_control and its ttl, server tools,
// thinking on tool-call turns. Pure: the input body is not changed. `dropped` names the OpenAI fields that
// had no effect, for the x-proxy-dropped-params header and the access line.
import type { AnthropicMessage, AnthropicRequest, AnthropicTool, CacheControl, ContentBlock, ThinkingBlock } from '../wire/anthropic.ts';
import { anthropicEffortFor } from './effort.ts';
import type { Capabilities } from './types.ts';

export interface AdaptOptions {
  /** The OpenAI effort value as the client sent it (reasoning_effort or reasoning.effort). */
  reasoningEffort?: string | null;
  /** Which OpenAI API the request came in by: it decides the field names `dropped` uses. */
  surface?: 'chat' | 'responses';
  /** The client's own reasoning for its earlier tool calls, by Anthropic tool_use id (chat's reasoning_content). */
  reasoningByToolUseId?: ReadonlyMap<string, string>;
}

export interface Adapted {
  body: AnthropicRequest;
  dropped: string[];
}

/** The OpenAI names of what can be dropped, per surface. */
const FIELD_NAMES = {
  chat: { effort: 'reasoning_effort', image: 'image_url', document: 'file', webSearch: 'web_search_options', user: 'user' },
  responses: { effort: 'reasoning.effort', image: 'input_image', document: 'input_file', webSearch: 'tools.web_search', user: 'user' },
} as const;

/** Anthropic's smallest thinking budget. */
const MIN_THINKING_BUDGET = 1024;

type Block = ContentBlock & { cache_control?: CacheControl };

function cacheControlFor(cache: CacheControl | undefined, caps: Capabilities): CacheControl | undefined {
  if (cache === undefined || !caps.cacheControl) return undefined;
  if (caps.cacheTtl || cache.ttl === undefined) return cache;
  const { ttl: _ttl, ...rest } = cache;
  return rest;
}

/** A block with its cache_control fitted (absent when the model takes none). */
function withCache<T extends { cache_control?: CacheControl }>(block: T, caps: Capabilities, removed: { cache: boolean }): T {
  if (block.cache_control === undefined) return block;
  const cache = cacheControlFor(block.cache_control, caps);
  if (cache === block.cache_control) return block;
  const { cache_control: _cache, ...rest } = block;
  if (cache === undefined) {
    removed.cache = true;
    return rest as T;
  }
  return { ...rest, cache_control: cache } as T;
}

interface Walk {
  caps: Capabilities;
  model: string;
  removed: { image: boolean; document: boolean; cache: boolean };
}

/** A media block the model cannot read becomes a text note, so the model knows something was there. */
function fitBlock(block: Block, walk: Walk): Block {
  const { caps } = walk;
  if (block.type === 'image' && !caps.images) {
    walk.removed.image = true;
    return { type: 'text', text: `[an image was attached here; ${walk.model} takes no image input]` };
  }
  if (block.type === 'document' && !caps.documents) {
    walk.removed.document = true;
    const title = block.title ? ` "${block.title}"` : '';
    return { type: 'text', text: `[a document${title} was attached here; ${walk.model} takes no document input]` };
  }
  if (block.type === 'tool_result' && Array.isArray(block.content)) {
    const content = block.content.map((inner) => fitBlock(inner, walk) as typeof inner);
    return withCache({ ...block, content }, caps, walk.removed);
  }
  return withCache(block, caps, walk.removed);
}

function fitMessages(messages: readonly AnthropicMessage[], walk: Walk): AnthropicMessage[] {
  return messages.map((message) => ({ ...message, content: message.content.map((block) => fitBlock(block, walk)) }));
}

function isServerTool(tool: AnthropicTool): boolean {
  const type = (tool as { type?: unknown }).type;
  return typeof type === 'string' && type !== 'custom';
}

function thinkingIsOn(body: AnthropicRequest): boolean {
  return (body.thinking !== undefined && body.thinking.type !== 'disabled') || body.output_config?.effort !== undefined;
}

/**
 * Turns thinking off the way the model allows: `disabled` where that form is accepted, else no thinking
 * field. Returns false when the model thinks anyway.
 */
function thinkingOff(body: AnthropicRequest, caps: Capabilities): boolean {
  delete body.output_config;
  if (caps.thinkingCanBeDisabled && (caps.thinking === 'budget' || caps.thinking === 'toggle' || caps.thinking === 'adaptive')) {
    body.thinking = { type: 'disabled' };
    return true;
  }
  delete body.thinking;
  return !caps.thinksByDefault;
}

/** The thinking form and effort the model takes. Returns whether the client's reasoning setting had no effect. */
function fitThinking(body: AnthropicRequest, caps: Capabilities, effort: string | null | undefined): boolean {
  const requested = body.thinking;
  if (requested === undefined) return false;
  if (requested.type === 'disabled') return !thinkingOff(body, caps);
  switch (caps.thinking) {
    case 'budget':
      return false;
    case 'toggle':
      body.thinking = { type: 'enabled' };
      return false;
    case 'adaptive': {
      body.thinking = { type: 'adaptive' };
      const level = anthropicEffortFor(effort, caps.efforts);
      if (level !== null) body.output_config = { ...body.output_config, effort: level };
      return false;
    }
    case 'effort': {
      delete body.thinking;
      const level = anthropicEffortFor(effort, caps.efforts);
      if (level === null) return !caps.thinksByDefault;
      body.output_config = { ...body.output_config, effort: level };
      return false;
    }
    case 'none':
      delete body.thinking;
      return true;
  }
}

/** max_tokens within the model's limit, and a thinking budget below it (or no thinking when none fits). */
function fitMaxTokens(body: AnthropicRequest, caps: Capabilities): void {
  if (caps.maxOutputTokens === null || body.max_tokens <= caps.maxOutputTokens) return;
  body.max_tokens = caps.maxOutputTokens;
  const budget = body.thinking?.budget_tokens;
  if (typeof budget !== 'number' || budget < body.max_tokens) return;
  if (body.max_tokens - 1 >= MIN_THINKING_BUDGET) body.thinking = { ...body.thinking!, budget_tokens: body.max_tokens - 1 };
  else delete body.thinking;
}

/** Returns the OpenAI names of the sampling parameters removed. */
function fitSampling(body: AnthropicRequest, caps: Capabilities): string[] {
  const dropped: string[] = [];
  if (body.temperature !== undefined && !caps.temperature) {
    delete body.temperature;
    dropped.push('temperature');
  }
  if (body.temperature !== undefined && body.temperature < caps.temperatureMin) body.temperature = caps.temperatureMin;
  if (body.top_p !== undefined && (!caps.topP || (body.temperature !== undefined && !caps.temperatureWithTopP))) {
    delete body.top_p;
    dropped.push('top_p');
  }
  if (body.top_k !== undefined && !caps.topK) {
    delete body.top_k;
    dropped.push('top_k');
  }
  return dropped;
}

/**
 * Thinking on assistant turns that call tools: the client's own reasoning for those calls goes in front of
 * them (unsigned, for an upstream that does not check signatures). When the model requires it and a turn has
 * none, thinking is turned off for the request, which the model accepts. Returns whether that happened.
 */
function fitToolTurns(body: AnthropicRequest, caps: Capabilities, reasoning: ReadonlyMap<string, string> | undefined): boolean {
  if (caps.toolTurnThinking === 'optional' || !thinkingIsOn(body)) return false;
  let missing = false;
  body.messages = body.messages.map((message) => {
    if (message.role !== 'assistant' || message.content.some((block) => block.type === 'thinking' || block.type === 'redacted_thinking')) return message;
    const calls = message.content.filter((block) => block.type === 'tool_use');
    if (calls.length === 0) return message;
    const text = calls.map((call) => reasoning?.get(call.id)).find((value) => typeof value === 'string' && value !== '');
    if (text === undefined) {
      missing = true;
      return message;
    }
    const thinking: ThinkingBlock = { type: 'thinking', thinking: text, signature: '' };
    return { ...message, content: [thinking, ...message.content] };
  });
  if (!missing || caps.toolTurnThinking !== 'required') return false;
  thinkingOff(body, caps);
  return true;
}

/**
 * The translation sends no thinking for a tool loop whose assistant turn has no thinking block (Anthropic
 * refuses it). A model that takes the client's own reasoning as those blocks (toolTurnThinking "required",
 * e.g. Kimi) gets thinking back when the client asked for it and its reasoning covers every such turn:
 * fitToolTurns then puts that reasoning in front of the calls.
 */
function rebuildsToolTurnThinking(body: AnthropicRequest, caps: Capabilities, options: AdaptOptions): boolean {
  if (body.thinking !== undefined || caps.toolTurnThinking !== 'required' || caps.thinking === 'budget' || caps.thinking === 'none') return false;
  if (options.reasoningEffort === null || options.reasoningEffort === undefined || options.reasoningEffort === 'none') return false;
  const reasoning = options.reasoningByToolUseId;
  let turns = 0;
  for (const message of body.messages) {
    if (message.role !== 'assistant' || message.content.some((block) => block.type === 'thinking' || block.type === 'redacted_thinking')) continue;
    const calls = message.content.filter((block) => block.type === 'tool_use');
    if (calls.length === 0) continue;
    turns++;
    if (!calls.some((call) => typeof reasoning?.get(call.id) === 'string' && reasoning.get(call.id) !== '')) return false;
  }
  return turns > 0;
}

export function adaptRequest(input: AnthropicRequest, caps: Capabilities, options: AdaptOptions = {}): Adapted {
  const names = FIELD_NAMES[options.surface ?? 'chat'];
  const dropped: string[] = [];
  const body: AnthropicRequest = { ...input };
  if (input.thinking) body.thinking = { ...input.thinking };
  if (input.output_config) body.output_config = { ...input.output_config };

  if (rebuildsToolTurnThinking(body, caps, options)) body.thinking = { type: 'enabled' };
  // The client asked for reasoning, and the translation sent none (a tool loop without its thinking): say so.
  else if (input.thinking === undefined && options.reasoningEffort !== null && options.reasoningEffort !== undefined && options.reasoningEffort !== 'none') dropped.push(names.effort);
  if (fitThinking(body, caps, options.reasoningEffort)) dropped.push(names.effort);
  fitMaxTokens(body, caps);
  dropped.push(...fitSampling(body, caps));
  if (body.stop_sequences !== undefined && !caps.stopSequences) {
    delete body.stop_sequences;
    dropped.push('stop');
  }

  const walk: Walk = { caps, model: input.model, removed: { image: false, document: false, cache: false } };
  body.messages = fitMessages(input.messages, walk);
  if (input.system) body.system = input.system.map((block) => withCache(block, caps, walk.removed));
  if (input.tools) {
    let tools = input.tools;
    if (!caps.serverTools && tools.some(isServerTool)) {
      tools = tools.filter((tool) => !isServerTool(tool));
      dropped.push(names.webSearch);
      if (body.tool_choice?.type === 'tool' && !tools.some((tool) => tool.name === (body.tool_choice as { name: string }).name)) body.tool_choice = { type: 'auto' };
    }
    tools = tools.map((tool) => withCache(tool, caps, walk.removed));
    if (tools.length > 0) body.tools = tools;
    else {
      delete body.tools;
      delete body.tool_choice;
    }
  }
  if (walk.removed.image) dropped.push(names.image);
  if (walk.removed.document) dropped.push(names.document);
  if (walk.removed.cache) dropped.push('cache_control');

  const choice = body.tool_choice;
  if (choice && choice.type !== 'none' && choice.disable_parallel_tool_use !== undefined && !caps.parallelToolControl) {
    const { disable_parallel_tool_use: _parallel, ...rest } = choice;
    body.tool_choice = rest as typeof choice;
    dropped.push('parallel_tool_calls');
  }

  if (fitToolTurns(body, caps, options.reasoningByToolUseId) && !dropped.includes(names.effort)) dropped.push(names.effort);
  return { body, dropped: [...new Set(dropped)] };
}

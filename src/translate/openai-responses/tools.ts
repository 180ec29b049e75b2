// Responses `tools` and `tool_choice` -> Anthropic tools and tool_choice. Function tools come flat
// ({type:"function", name, parameters}); custom tools (free-form text input, e.g. Codex's apply_patch) become a
// tool with one string property; namespaces are flattened to their functions; hosted tools the upstream cannot
// run are left out (clients send some by default), web_search becomes Anthropic's server tool when enabled.
import { invalidRequest } from '../../errors.ts';
import { customToolDefinition } from '../openai-common/custom-tool.ts';
import { toolFrom } from '../openai-common/function-tool.ts';
import { allowedTools, keywordChoice, onlyAllowed, withParallelToolCalls } from '../openai-common/tool-choice.ts';
import type { AnthropicTool, AnthropicToolChoice } from '../../wire/anthropic.ts';
import type { CustomTool, FunctionTool, NamespaceTool, Tool, ToolChoice } from '../../wire/openai-responses.ts';

/** Anthropic's server-side web search tool (Anthropic's web search tool docs). */
const WEB_SEARCH_TOOL = { type: 'web_search_20250305', name: 'web_search' } as const;

const isWebSearch = (type: string) => type === 'web_search' || type.startsWith('web_search_');

/** What an Anthropic tool name stands for on the Responses side. */
export interface ClientTool {
  name: string;
  kind: 'function' | 'custom';
  namespace?: string;
}

export interface TranslatedTools {
  tools: Array<AnthropicTool | typeof WEB_SEARCH_TOOL>;
  /** Anthropic tool name -> the client's tool (for calls coming back). */
  byUpstreamName: Map<string, ClientTool>;
}

function customTool(tool: CustomTool, name: string, param: string): AnthropicTool {
  const grammar = tool.format?.type === 'grammar' ? { syntax: tool.format.syntax, definition: tool.format.definition } : null;
  return customToolDefinition({ name: tool.name, description: tool.description, grammar }, name, param);
}

function functionTool(tool: FunctionTool, name: string, param: string, namespaceDescription?: string): AnthropicTool {
  const description = [namespaceDescription, tool.description].filter((text) => typeof text === 'string' && text !== '').join('\n\n');
  return toolFrom({ name, description, parameters: tool.parameters ?? undefined }, param);
}

export interface ToolOptions {
  /** Whether `web_search` becomes Anthropic's server web-search tool (RESPONSES_WEB_SEARCH). */
  webSearch: boolean;
}

export function translateTools(list: readonly Tool[] | null | undefined, options: ToolOptions): TranslatedTools {
  const tools: TranslatedTools['tools'] = [];
  const byUpstreamName = new Map<string, ClientTool>();
  const entries = list ?? [];
  // Top-level names are kept as they are; a namespaced function whose name is taken gets its namespace
  // as a prefix, so both stay callable.
  const topLevel = new Set(entries.filter((t) => t.type === 'function' || t.type === 'custom').map((t) => t.name));
  const add = (tool: FunctionTool | CustomTool, param: string, namespace?: { name: string; description?: string }) => {
    let name = tool.name;
    if (namespace && (topLevel.has(name) || byUpstreamName.has(name))) name = `${namespace.name}__${tool.name}`;
    if (byUpstreamName.has(name)) return; // a duplicate definition: the first one wins
    tools.push(tool.type === 'custom' ? customTool(tool, name, param) : functionTool(tool, name, param, namespace?.description));
    byUpstreamName.set(name, { name: tool.name, kind: tool.type === 'custom' ? 'custom' : 'function', ...(namespace ? { namespace: namespace.name } : {}) });
  };
  let webSearchAdded = false;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    const param = `tools[${i}]`;
    if (entry.type === 'function' || entry.type === 'custom') {
      add(entry as FunctionTool | CustomTool, param);
    } else if (entry.type === 'namespace' && Array.isArray((entry as { tools?: unknown }).tools)) {
      const namespace = entry as NamespaceTool;
      namespace.tools.forEach((tool, j) => {
        if (tool.type === 'function' || tool.type === 'custom') add(tool, `${param}.tools[${j}]`, namespace);
      });
    } else if (options.webSearch && isWebSearch(entry.type) && !webSearchAdded) {
      webSearchAdded = true;
      tools.push(WEB_SEARCH_TOOL);
    }
    // Every other hosted tool is left out: the upstream cannot run it.
  }
  return { tools, byUpstreamName };
}

/** The Anthropic name of a client tool (inverse of byUpstreamName), or the name itself when unknown. */
export function upstreamToolName(tools: TranslatedTools, name: string, namespace?: string | null): string {
  for (const [upstream, tool] of tools.byUpstreamName) {
    if (tool.name === name && (tool.namespace ?? null) === (namespace ?? null)) return upstream;
  }
  if (namespace) {
    for (const [upstream, tool] of tools.byUpstreamName) if (tool.name === name) return upstream;
  }
  return name;
}

/** Whether the choice is allowed_tools (flat on the Responses API: `{type: "allowed_tools", mode, tools}`). */
function isAllowedTools(choice: ToolChoice | null | undefined): choice is ToolChoice & { mode?: unknown; tools?: unknown } {
  return choice !== null && typeof choice === 'object' && (choice as { type?: unknown }).type === 'allowed_tools';
}

/**
 * The tools an allowed_tools choice leaves (all of them for any other choice), as a new TranslatedTools: a
 * client tool is kept when the list names it by its own name or its Anthropic one; the server web search stays.
 */
export function allowedOnly(tools: TranslatedTools, choice: ToolChoice | null | undefined): TranslatedTools {
  if (!isAllowedTools(choice)) return tools;
  const allowed = allowedTools(choice, 'tool_choice');
  const namesOf = (tool: TranslatedTools['tools'][number]) => ('type' in tool ? null : [tool.name, tools.byUpstreamName.get(tool.name)?.name ?? tool.name]);
  const kept = onlyAllowed(tools.tools, allowed.names, namesOf, 'tool_choice');
  const byUpstreamName = new Map([...tools.byUpstreamName].filter(([upstream]) => kept.some((tool) => tool.name === upstream)));
  return { tools: kept, byUpstreamName };
}

/**
 * tool_choice: auto -> auto, none -> none, required -> any, a named function or custom tool -> that tool (400
 * when it names no defined tool), allowed_tools -> its mode (the tools themselves: allowedOnly), a hosted tool
 * -> auto. parallel_tool_calls:false -> disable_parallel_tool_use (on auto when nothing else was chosen).
 */
export function translateToolChoice(choice: ToolChoice | null | undefined, parallelToolCalls: boolean | null | undefined, tools: TranslatedTools): AnthropicToolChoice | undefined {
  let result = keywordChoice(choice);
  if (result !== undefined || choice === null || choice === undefined) return withParallelToolCalls(result, parallelToolCalls);
  if (isAllowedTools(choice)) {
    result = allowedTools(choice, 'tool_choice').choice;
  } else if (typeof choice === 'object') {
    const named = choice as { type: string; name?: unknown };
    if (named.type === 'function' || named.type === 'custom') {
      if (typeof named.name !== 'string') throw invalidRequest("'tool_choice.name' is required", 'tool_choice.name');
      // OpenAI's schema allows an empty name, which names no tool: a call is still forced (as "required").
      if (named.name === '') result = { type: 'any' };
      else {
        const upstream = upstreamToolName(tools, named.name);
        if (!tools.byUpstreamName.has(upstream)) {
          throw invalidRequest(`'tool_choice.name' ${JSON.stringify(named.name)} names no ${named.type} tool in tools`, 'tool_choice.name');
        }
        result = { type: 'tool', name: upstream };
      }
    } else {
      result = { type: 'auto' }; // a hosted tool the upstream does not run: let the model choose
    }
  } else {
    throw invalidRequest(`'tool_choice' ${JSON.stringify(choice)} must be "none", "auto", "required" or a tool`, 'tool_choice');
  }
  return withParallelToolCalls(result, parallelToolCalls);
}

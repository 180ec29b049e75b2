// The tool_choice rules both OpenAI surfaces share: the keywords, parallel_tool_calls, and allowed_tools
// (OpenAI's way to offer a subset of `tools` without changing the list; Anthropic has no such choice, so the
// request then carries only those tools). Chat nests allowed_tools under `tool_choice.allowed_tools`, the
// Responses API has them flat on `tool_choice`: the rule is one.
import { invalidRequest } from '../../errors.ts';
import type { AnthropicToolChoice } from '../../wire/anthropic.ts';

/** auto -> auto, none -> none, required -> any; undefined for anything else. */
export function keywordChoice(choice: unknown): AnthropicToolChoice | undefined {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') return { type: 'any' };
  return undefined;
}

/** parallel_tool_calls: false -> disable_parallel_tool_use (on auto when nothing else was chosen, never on none). */
export function withParallelToolCalls(choice: AnthropicToolChoice | undefined, parallelToolCalls: boolean | null | undefined): AnthropicToolChoice | undefined {
  if (parallelToolCalls !== false || choice?.type === 'none') return choice;
  return { ...(choice ?? { type: 'auto' }), disable_parallel_tool_use: true };
}

export interface AllowedTools {
  /** The client names of the function and custom tools the model may call. */
  names: ReadonlySet<string>;
  choice: AnthropicToolChoice;
}

/**
 * `{mode, tools}` of an allowed_tools choice, `param` where they sit (`tool_choice.allowed_tools` or
 * `tool_choice`). Mode auto -> auto, required -> any (OpenAI documents no other). A function or custom entry
 * must name its tool (`{type, function: {name}}`, `{type, custom: {name}}` or flat `{type, name}`); entries for
 * hosted tools (mcp, image_generation, ...) are accepted and ignored, as the upstream runs none of them.
 */
export function allowedTools(holder: { mode?: unknown; tools?: unknown } | null | undefined, param: string): AllowedTools {
  if (holder === null || typeof holder !== 'object' || !Array.isArray(holder.tools)) {
    throw invalidRequest(`'${param}.tools' is required: the list of tools the model may call`, `${param}.tools`);
  }
  const mode = holder.mode ?? 'auto';
  if (mode !== 'auto' && mode !== 'required') throw invalidRequest(`'${param}.mode' ${JSON.stringify(mode)} must be "auto" or "required"`, `${param}.mode`);
  const names = new Set<string>();
  holder.tools.forEach((tool: unknown, i: number) => {
    const entry = (tool !== null && typeof tool === 'object' ? tool : {}) as { type?: unknown; function?: { name?: unknown }; custom?: { name?: unknown }; name?: unknown };
    if (entry.type !== undefined && entry.type !== 'function' && entry.type !== 'custom') return;
    const name = entry.function?.name ?? entry.custom?.name ?? entry.name;
    if (typeof name !== 'string' || name === '') {
      const at = `${param}.tools[${i}].${entry.type === 'custom' ? 'custom' : 'function'}.name`;
      throw invalidRequest(`'${at}' is required`, at);
    }
    names.add(name);
  });
  return { names, choice: { type: mode === 'required' ? 'any' : 'auto' } };
}

/**
 * A new list holding only the allowed tools. `namesOf` gives the names a tool answers to, or null for one
 * that stays regardless (a server tool). A name that no tool has is a 400, as a named tool_choice is.
 */
export function onlyAllowed<T>(tools: readonly T[], allowed: ReadonlySet<string>, namesOf: (tool: T) => readonly string[] | null, param: string): T[] {
  const known = new Set(tools.flatMap((tool) => namesOf(tool) ?? []));
  for (const name of allowed) {
    if (!known.has(name)) throw invalidRequest(`'${param}.tools' names ${JSON.stringify(name)}, which is not in tools`, `${param}.tools`);
  }
  return tools.filter((tool) => {
    const names = namesOf(tool);
    return names === null || names.some((name) => allowed.has(name));
  });
}

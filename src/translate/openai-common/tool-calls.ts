// Tool calls and results in an OpenAI history (chat's tool_calls and tool messages, the Responses API's
// function_call / custom_tool_call items and their outputs) -> what Anthropic accepts in tool_use and
// tool_result blocks. Other providers make ids and names Anthropic refuses (Kimi's `functions.get_weather:0`,
// MCP names such as `files.read`), and some clients repeat an id (a per-turn counter): those are cleaned and
// made unique here, the same way for a call and for its result, so that each result still answers its call.

/** The key under which tool-call `arguments` that are not a JSON object travel, as the client sent them. */
export const RAW_ARGUMENTS = 'raw_arguments';

/**
 * A tool call's `arguments` -> the object Anthropic's tool_use `input` must be. OpenAI takes any string
 * here (a model's truncated or malformed JSON comes back in the history as it was), so nothing is refused:
 * "", null and none -> {}; a JSON object -> itself; anything else (invalid JSON, or JSON that is not an
 * object) -> `{"raw_arguments": "<the text as sent>"}`, so the model still sees what it wrote.
 */
export function toolInput(args: string | null | undefined): Record<string, unknown> {
  if (args === undefined || args === null || args.trim() === '') return {};
  try {
    const input: unknown = JSON.parse(args);
    if (input !== null && typeof input === 'object' && !Array.isArray(input)) return input as Record<string, unknown>;
  } catch {
    // not JSON: kept as text below
  }
  return { [RAW_ARGUMENTS]: args };
}

/**
 * A tool name in the history as Anthropic accepts it (`^[a-zA-Z0-9_-]{1,64}$`, the rule OpenAI has for
 * defined tools too): a call to a name no tool could have had is kept, with the other characters replaced.
 */
export function historyToolName(name: string): string {
  // OpenAI's schema allows an empty name (no tool has it): it needs one Anthropic takes.
  return name === '' ? 'unnamed_tool' : name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
}

/** An id as Anthropic's tool_use.id pattern (`^[a-zA-Z0-9_-]+$`) takes it; OpenAI's schema allows an empty one. */
const cleanId = (id: string) => (id === '' ? 'call_empty_id' : id.replace(/[^a-zA-Z0-9_-]/g, '_'));

/**
 * The tool_use ids of one request. A call's id is cleaned and, when an earlier call already has it (the
 * client repeated it, or cleaning made two ids one), given a `_2`, `_3`, ... suffix; a result takes the id
 * of the oldest call with its client id that no result has answered yet.
 */
export class ToolCallIds {
  private readonly used = new Set<string>();
  /** Client id -> the upstream ids of its calls no result has answered yet, oldest first. */
  private readonly open = new Map<string, string[]>();
  /** Client id -> the upstream id of its latest call. */
  private readonly latest = new Map<string, string>();

  call(clientId: string): string {
    const clean = cleanId(clientId);
    let id = clean;
    for (let n = 2; this.used.has(id); n++) id = `${clean}_${n}`;
    this.used.add(id);
    const open = this.open.get(clientId);
    if (open) open.push(id);
    else this.open.set(clientId, [id]);
    this.latest.set(clientId, id);
    return id;
  }

  result(clientId: string): string {
    return this.open.get(clientId)?.shift() ?? this.latest.get(clientId) ?? cleanId(clientId);
  }
}

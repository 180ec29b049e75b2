// A client's JSON Schema for a tool's arguments -> an `input_schema` Anthropic accepts. OpenAI takes
// function parameters that Anthropic refuses: `{}` or none at all (zero-argument tools from MCP servers and
// LangChain), a schema without `type`, `type: ["object", "null"]`, or `anyOf`/`oneOf`/`allOf` at the root
// (Anthropic: "input_schema does not support oneOf, allOf, or anyOf at the top level"). Pure.

/** Anthropic's rule for tool names (OpenAI has the same one for defined tools). */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

type Schema = Record<string, unknown>;

type InputSchemaResult = { schema: Schema } | { problem: string };

const COMBINERS = ['allOf', 'anyOf', 'oneOf'] as const;

const isPlainObject = (value: unknown): value is Schema => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Root alternatives become one object: the properties of every object branch (the first definition of a
 * name wins), and for `allOf` their `required` names too. The model still sees every argument it may pass.
 */
function withoutRootCombiners(schema: Schema): Schema {
  const out: Schema = { ...schema };
  const properties: Schema = isPlainObject(out.properties) ? { ...out.properties } : {};
  const required = new Set(Array.isArray(out.required) ? (out.required as unknown[]).filter((name) => typeof name === 'string') : []);
  for (const key of COMBINERS) {
    if (!(key in out)) continue;
    const branches = Array.isArray(out[key]) ? (out[key] as unknown[]) : [];
    delete out[key];
    for (const branch of branches) {
      if (!isPlainObject(branch)) continue;
      if (isPlainObject(branch.properties)) {
        for (const [name, property] of Object.entries(branch.properties)) if (!Object.hasOwn(properties, name)) properties[name] = property;
      }
      if (key === 'allOf' && Array.isArray(branch.required)) for (const name of branch.required) if (typeof name === 'string') required.add(name);
    }
  }
  out.properties = properties;
  if (required.size > 0) out.required = [...required];
  return out;
}

export function anthropicInputSchema(parameters: unknown): InputSchemaResult {
  if (parameters === undefined || parameters === null) return { schema: { type: 'object', properties: {} } };
  if (!isPlainObject(parameters)) return { problem: 'must be a JSON Schema object' };
  // `$schema` names the draft the client's own validator uses; it says nothing to the model and a draft
  // other than Anthropic's (2020-12) is a risk, so it does not travel.
  const { $schema: _draft, ...schema } = parameters;
  const type = schema.type;
  if (type !== undefined && type !== 'object' && !(Array.isArray(type) && type.includes('object'))) {
    return { problem: `has type ${JSON.stringify(type)}; tool arguments are always an object (type "object")` };
  }
  let out: Schema = { ...schema, type: 'object' };
  if (COMBINERS.some((key) => key in out)) out = withoutRootCombiners(out);
  if (!isPlainObject(out.properties)) out.properties = {};
  return { schema: out };
}

// OpenAI's published OpenAPI schemas (test/fixtures/openai-openapi) compiled with ajv, to check every
// object and stream event the service returns on its OpenAI routes. The document is OpenAPI 3.1 with a few
// older habits; before compiling: `nullable: true` becomes a union with null, `$recursiveRef` becomes a
// plain `$ref` to its schema, `discriminator` is dropped and `oneOf` read as `anyOf`: the document's unions
// overlap (a `{type: "message", role: "user"}` item is both an EasyInputMessage and an InputMessage), and
// OpenAI's SDKs pick a member, they do not refuse a value that fits two.
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';

type Json = Record<string, any>;

const fixture: { commit: string; components: { schemas: Record<string, Json> } } = JSON.parse(
  readFileSync(new URL('../fixtures/openai-openapi/schemas.json', import.meta.url), 'utf8'),
);

/** The commit of openai/openai-openapi the schemas come from. */
export const OPENAI_OPENAPI_COMMIT = fixture.commit;

function normalized(value: unknown, schemaName: string): unknown {
  if (Array.isArray(value)) return value.map((inner) => normalized(inner, schemaName));
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'discriminator' || key === '$recursiveAnchor' || key.startsWith('x-')) continue;
    if (key === '$recursiveRef') out.$ref = `#/components/schemas/${schemaName}`;
    else if (key === 'oneOf') out.anyOf = normalized(inner, schemaName);
    else if (key === 'properties') out.properties = Object.fromEntries(Object.entries(inner as Json).map(([name, schema]) => [name, normalized(schema, schemaName)]));
    else out[key] = normalized(inner, schemaName);
  }
  if (out.nullable === true) {
    delete out.nullable;
    const { description, ...rest } = out;
    return { description, anyOf: [rest, { type: 'null' }] };
  }
  delete out.nullable;
  return out;
}

const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: true });
addFormats.default(ajv);
ajv.addFormat('unixtime', { type: 'number', validate: (value: number) => Number.isInteger(value) });
ajv.addSchema({
  $id: 'openai',
  components: { schemas: Object.fromEntries(Object.entries(fixture.components.schemas).map(([name, schema]) => [name, normalized(schema, name)])) },
});

const compiled = new Map<string, ValidateFunction>();
function validator(name: string): ValidateFunction {
  let validate = compiled.get(name);
  if (!validate) {
    validate = ajv.getSchema(`openai#/components/schemas/${name}`);
    if (!validate) throw new Error(`OpenAI's document has no schema ${name}`);
    compiled.set(name, validate);
  }
  return validate;
}

/** Why `value` does not match OpenAI's schema `name` (empty when it does). */
export function openAISchemaProblems(name: string, value: unknown): string[] {
  const validate = validator(name);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error) => `${name}${error.instancePath} ${error.message}${error.params ? ` ${JSON.stringify(error.params)}` : ''}`);
}

// The Responses stream: each event type has its own schema in the ResponseStreamEvent union; picking it by
// `type` gives errors about that schema rather than about fifty alternatives.
const responseEventSchemas = new Map<string, string>();
for (const member of fixture.components.schemas.ResponseStreamEvent.anyOf as Json[]) {
  const name = String(member.$ref).split('/').at(-1)!;
  for (const type of fixture.components.schemas[name]?.properties?.type?.enum ?? []) responseEventSchemas.set(type, name);
}

/** The schema OpenAI documents for a Responses stream event type (undefined when it has none). */
export function responseEventSchema(type: string): string | undefined {
  return responseEventSchemas.get(type);
}

export function responseEventProblems(event: unknown): string[] {
  const type = (event as Json | null)?.type;
  const name = typeof type === 'string' ? responseEventSchemas.get(type) : undefined;
  if (name === undefined) return [`Responses stream event type ${JSON.stringify(type)} is not in OpenAI's ResponseStreamEvent`];
  return openAISchemaProblems(name, event);
}

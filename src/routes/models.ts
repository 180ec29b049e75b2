// GET /v1/models and /v1/models/{id}, served from configuration (the upstream has no models list). OpenAI
// clients get OpenAI's shape; Anthropic-native clients (they send `anthropic-version` or `x-api-key`, as the
// Anthropic SDKs and Claude Code do) get Anthropic's (Models API reference: `data[]` of
// `{type:"model", id, display_name, created_at}`, paged with `limit`, `after_id`, `before_id`).
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RoutingTable } from '../routing.ts';
import { ProxyError, renderError } from '../errors.ts';
import { OPENAI_API } from '../http/route-policy.ts';
import { anthropicErrorRef, openAIErrorRef } from '../schemas/common.ts';

const modelSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    object: { type: 'string', enum: ['model'] },
    created: { type: 'integer' },
    owned_by: { type: 'string' },
  },
  required: ['id', 'object', 'created', 'owned_by'],
} as const;

const anthropicModelSchema = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['model'] },
    id: { type: 'string' },
    display_name: { type: 'string' },
    created_at: { type: 'string', description: 'RFC 3339' },
  },
  required: ['type', 'id', 'display_name', 'created_at'],
} as const;

interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

interface AnthropicModelEntry {
  type: 'model';
  id: string;
  display_name: string;
  created_at: string;
}

/**
 * The configured list first, then the client-side names of MODEL_MAP_JSON, then the public names of the
 * routing table's models, without duplicates.
 */
function listModels(openaiModels: readonly string[], modelMap: Readonly<Record<string, string>>, routed: readonly string[], created: number): ModelEntry[] {
  const ids = [...new Set([...openaiModels, ...Object.keys(modelMap), ...routed])];
  return ids.map((id) => ({ id, object: 'model', created, owned_by: 'anthropic-proxy' }));
}

/** The same model in Anthropic's shape; the service knows no display names, so the id stands in. */
function anthropicModel(model: ModelEntry): AnthropicModelEntry {
  return { type: 'model', id: model.id, display_name: model.id, created_at: new Date(model.created * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') };
}

interface AnthropicModelPage {
  data: AnthropicModelEntry[];
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

const DEFAULT_PAGE = 20;
const MAX_PAGE = 1000;

/**
 * One page of Anthropic's list: `limit` items after `after_id`, or before `before_id`; `has_more` says
 * whether more follow in that direction.
 */
function anthropicModelPage(models: readonly AnthropicModelEntry[], query: { limit?: unknown; after_id?: unknown; before_id?: unknown }): AnthropicModelPage {
  const asked = Number(query.limit);
  const limit = Number.isInteger(asked) && asked >= 1 ? Math.min(asked, MAX_PAGE) : DEFAULT_PAGE;
  const indexOf = (id: unknown) => (typeof id === 'string' && id !== '' ? models.findIndex((model) => model.id === id) : null);
  const before = indexOf(query.before_id);
  const after = indexOf(query.after_id);
  let data: AnthropicModelEntry[];
  let hasMore: boolean;
  if (before !== null && after === null) {
    const end = Math.max(0, before);
    const start = Math.max(0, end - limit);
    data = models.slice(start, end);
    hasMore = start > 0;
  } else {
    const start = after === null ? 0 : after === -1 ? models.length : after + 1;
    data = models.slice(start, start + limit);
    hasMore = start + limit < models.length;
  }
  return { data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}

/** Anthropic-native clients send `anthropic-version` or `x-api-key`; OpenAI clients send neither. */
function wantsAnthropicShape(request: FastifyRequest): boolean {
  return request.headers['anthropic-version'] !== undefined || request.headers['x-api-key'] !== undefined;
}

function notFound(request: FastifyRequest, reply: FastifyReply, id: string): FastifyReply {
  const error = new ProxyError('model_not_found', `The model '${id}' does not exist`, { param: 'model' });
  return reply.code(404).type('application/json; charset=utf-8').send(renderError(wantsAnthropicShape(request) ? 'anthropic' : 'openai', error));
}

async function routes(app: FastifyInstance): Promise<void> {
  const created = Math.floor(app.lifecycle.startedAt / 1000);
  // Built again only when a reload brought a new routing table (its model names are listed too).
  let listed: { routing: RoutingTable; models: ModelEntry[]; byId: Map<string, ModelEntry>; anthropicModels: AnthropicModelEntry[] } | null = null;
  const current = () => {
    const routing = app.upstreams.routing;
    if (listed?.routing !== routing) {
      const models = listModels(app.config.openaiModels, app.config.modelMap, Object.keys(routing.models), created);
      listed = { routing, models, byId: new Map(models.map((model) => [model.id, model])), anthropicModels: models.map(anthropicModel) };
    }
    return listed;
  };

  app.get('/v1/models', {
    config: { policy: OPENAI_API },
    schema: {
      tags: ['openai', 'anthropic'],
      summary: "List the models this service offers (Anthropic's shape for requests with anthropic-version or x-api-key)",
      querystring: {
        type: 'object',
        properties: {
          limit: { type: 'string', description: 'Anthropic clients: page size, 1 to 1000 (default 20)' },
          after_id: { type: 'string', description: 'Anthropic clients: the page after this id' },
          before_id: { type: 'string', description: 'Anthropic clients: the page before this id' },
        },
      },
      response: {
        200: {
          anyOf: [
            {
              type: 'object',
              properties: { object: { type: 'string', enum: ['list'] }, data: { type: 'array', items: modelSchema } },
              required: ['object', 'data'],
            },
            {
              type: 'object',
              properties: {
                data: { type: 'array', items: anthropicModelSchema },
                has_more: { type: 'boolean' },
                first_id: { type: ['string', 'null'] },
                last_id: { type: ['string', 'null'] },
              },
              required: ['data', 'has_more', 'first_id', 'last_id'],
            },
          ],
        },
      },
    },
  }, async (request) => {
    const { models, anthropicModels } = current();
    if (wantsAnthropicShape(request)) return anthropicModelPage(anthropicModels, request.query as Record<string, unknown>);
    return { object: 'list', data: models };
  });

  // A wildcard, not `:id`: model ids such as `org/model` contain slashes.
  app.get('/v1/models/*', {
    config: { policy: OPENAI_API },
    schema: {
      tags: ['openai', 'anthropic'],
      summary: 'Retrieve one model',
      params: { type: 'object', properties: { '*': { type: 'string', description: 'model id' } } },
      response: { 200: { anyOf: [modelSchema, anthropicModelSchema] }, 404: { anyOf: [openAIErrorRef, anthropicErrorRef] } },
    },
  }, async (request, reply) => {
    // The router has already decoded the path: decoding again would turn `100%25` into an error.
    const id = (request.params as { '*': string })['*'];
    const model = current().byId.get(id);
    if (!model) return notFound(request, reply, id);
    return wantsAnthropicShape(request) ? anthropicModel(model) : model;
  });
}

export const modelRoutes = fp(routes, { name: 'model-routes', fastify: '5.x', encapsulate: true, dependencies: ['lifecycle'], decorators: { fastify: ['config', 'upstreams'] } });

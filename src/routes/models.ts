// GET /v1/models and /v1/models/{id}, served from configuration (the upstream has no models list).
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { ProxyError } from '../errors.ts';
import { OPENAI_API } from '../http/route-policy.ts';
import { openAIErrorRef } from '../schemas/common.ts';

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

export interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/** The configured list first, then the client-side names of MODEL_MAP_JSON, without duplicates. */
export function listModels(openaiModels: readonly string[], modelMap: Readonly<Record<string, string>>, created: number): ModelEntry[] {
  const ids = [...new Set([...openaiModels, ...Object.keys(modelMap)])];
  return ids.map((id) => ({ id, object: 'model', created, owned_by: 'anthropic-proxy' }));
}

async function routes(app: FastifyInstance): Promise<void> {
  const created = Math.floor(app.lifecycle.startedAt / 1000);
  const models = listModels(app.config.openaiModels, app.config.modelMap, created);
  const byId = new Map(models.map((model) => [model.id, model]));

  app.get('/v1/models', {
    config: { policy: OPENAI_API },
    schema: {
      tags: ['openai'],
      summary: 'List the models this service offers',
      response: {
        200: {
          type: 'object',
          properties: { object: { type: 'string', enum: ['list'] }, data: { type: 'array', items: modelSchema } },
          required: ['object', 'data'],
        },
      },
    },
  }, async () => ({ object: 'list', data: models }));

  // A wildcard, not `:id`: model ids such as `org/model` contain slashes.
  app.get('/v1/models/*', {
    config: { policy: OPENAI_API },
    schema: {
      tags: ['openai'],
      summary: 'Retrieve one model',
      params: { type: 'object', properties: { '*': { type: 'string', description: 'model id' } } },
      response: { 200: modelSchema, 404: openAIErrorRef },
    },
  }, async (request) => {
    // The router has already decoded the path: decoding again would turn `100%25` into an error.
    const id = (request.params as { '*': string })['*'];
    const model = byId.get(id);
    if (!model) {
      throw new ProxyError('model_not_found', `The model '${id}' does not exist`, { param: 'model' });
    }
    return model;
  });
}

export const modelRoutes = fp(routes, { name: 'model-routes', fastify: '5.x', encapsulate: true, dependencies: ['lifecycle'], decorators: { fastify: ['config'] } });

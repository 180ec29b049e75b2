// /openapi.json (an OpenAPI 3 document built from the route schemas) and /docs (Swagger UI, served from the
// package's own assets so it works offline).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { anthropicErrorSchema, openAIErrorSchema } from '../schemas/common.ts';
import { OPEN } from './route-policy.ts';

async function openApi(app: FastifyInstance, { version }: { version: string }): Promise<void> {
  app.addSchema(openAIErrorSchema);
  app.addSchema(anthropicErrorSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'anthropic-proxy',
        version,
        description:
          'OpenAI-compatible chat completions in front of an Anthropic-compatible Messages API, plus an Anthropic-native passthrough.',
      },
      tags: [
        { name: 'health', description: 'Liveness, readiness and service information' },
        { name: 'openai', description: 'OpenAI-compatible endpoints' },
        { name: 'anthropic', description: 'Anthropic-native passthrough' },
        { name: 'operations', description: 'Metrics and documentation' },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  // The UI's routes are the package's own: they take the documentation's policy here.
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, policy: OPEN };
    });
    await docs.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  });
  app.get('/openapi.json', { config: { policy: OPEN }, schema: { hide: true } }, async () => app.swagger());
}

/** Register before any route, so that the document sees every one of them. */
export const openApiPlugin = fp(openApi, { name: 'openapi', fastify: '5.x', dependencies: ['route-policy'] });

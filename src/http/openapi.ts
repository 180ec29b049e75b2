// /openapi.json (an OpenAPI 3 document built from the route schemas) and /docs (Swagger UI, served from the
// package's own assets so it works offline).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { anthropicErrorSchema, openAIErrorSchema } from '../schemas/common.ts';

export async function installOpenApi(app: FastifyInstance, version: string): Promise<void> {
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
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

// /openapi.json (an OpenAPI 3 document built from the route schemas) and /docs (Swagger UI, served from the
// package's own assets so it works offline).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { anthropicErrorSchema, openAIErrorSchema } from '../schemas/common.ts';
import { OPEN } from './route-policy.ts';

// Wildcard routes (model ids contain slashes) under the parameter name the README gives them, instead of `*`.
const WILDCARD_NAMES: Readonly<Record<string, string>> = { '/v1/models/*': 'id' };

function nameWildcard({ schema, url }: { schema: FastifySchema; url: string }): { schema: FastifySchema; url: string } {
  const name = WILDCARD_NAMES[url];
  const params = schema?.params as { properties?: Record<string, unknown> } | undefined;
  if (!name || !params?.properties?.['*']) return { schema, url };
  const { '*': wildcard, ...others } = params.properties;
  return {
    url: `${url.slice(0, -1)}:${name}`,
    schema: { ...schema, params: { ...params, properties: { ...others, [name]: wildcard }, required: [name] } },
  };
}

// Swagger UI's own strict policy without `upgrade-insecure-requests`: the service speaks plain http, so a
// browser told to upgrade asks for every asset over https and gets nothing (a blank page on every host but
// loopback, which browsers exempt).
function withoutUpgrade(policy: string): string {
  return policy.replace(/\s*upgrade-insecure-requests\s*;?/g, '').trim();
}

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
        { name: 'admin', description: 'Administration (the admin_key of the configuration file)' },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
    },
    transform: nameWildcard,
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  // The UI's routes are the package's own: they take the documentation's policy here.
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, policy: OPEN };
    });
    await docs.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, transformStaticCSP: withoutUpgrade });
  });
  app.get('/openapi.json', { config: { policy: OPEN }, schema: { hide: true } }, async () => app.swagger());
}

/** Register before any route, so that the document sees every one of them. */
export const openApiPlugin = fp(openApi, { name: 'openapi', fastify: '5.x', dependencies: ['route-policy'] });

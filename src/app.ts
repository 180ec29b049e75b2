// buildApp(config) is the only way to make a server: plugins and routes are registered explicitly, in order.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { configSecrets, type Config } from './config.ts';
import { createLogger, type Logger } from './logging.ts';
import cors from '@fastify/cors';
import underPressure from '@fastify/under-pressure';
import { installAuth } from './http/auth.ts';
import { installErrorHandlers, sendError } from './http/error-handler.ts';
import { createLifecycle, installLifecycle, type Lifecycle } from './http/lifecycle.ts';
import { Metrics, combineObservers, installMetrics } from './http/metrics.ts';
import { ProxyError } from './errors.ts';
import { installOpenApi } from './http/openapi.ts';
import { installRequestContext, requestIdFor, routePathOf } from './http/request-context.ts';
import { chatCompletionRoutes, type ChatCompletionRouteOptions } from './routes/chat-completions.ts';
import { healthRoutes } from './routes/health.ts';
import { messagesRoutes } from './routes/messages.ts';
import { modelRoutes } from './routes/models.ts';
import { UpstreamClient, type UpstreamClientOptions } from './upstream/client.ts';
import './http/decorations.ts';
import { VERSION } from './version.ts';

export interface AppDeps {
  /** A ready logger; by default one is built from the config (stdout + LOG_DIR files). */
  logger?: Logger;
  lifecycle?: Lifecycle;
  /** Retry pacing and observers for the upstream client (tests make retries fast). */
  upstream?: UpstreamClientOptions;
  /** Clock for chat completions' `created` (tests fix it). */
  chatCompletions?: ChatCompletionRouteOptions;
}

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const logger = deps.logger ?? createLogger(config, configSecrets(config));
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdFor,
    bodyLimit: config.bodyLimitBytes,
    // Streams may run for many minutes; upstream timeouts bound them instead.
    requestTimeout: 0,
    connectionTimeout: 0,
    // The drain answers 503 in the route's own error shape (lifecycle plugin), not fastify's.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // Requests the router cannot take (a malformed percent-escape, an over-long parameter) get the
    // service's error shape and request id like any other error.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id);
      sendError(request, reply, new ProxyError(400, `The request URL is not valid: ${error.message}`, { code: 'invalid_url' }));
    },
    // allowUnionTypes: OpenAI fields such as `content` or `stop` take more than one JSON type.
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false, allowUnionTypes: true } },
  }) as unknown as FastifyInstance;

  app.decorate('config', config);
  const lifecycle = deps.lifecycle ?? createLifecycle();
  const metrics = new Metrics(() => lifecycle.openStreams.size, () => lifecycle.inFlight);
  const upstream = new UpstreamClient(config, { ...deps.upstream, observer: combineObservers(metrics.upstreamObserver, deps.upstream?.observer) });
  app.decorate('upstream', upstream);
  app.addHook('onClose', async () => upstream.close());
  installRequestContext(app);
  installErrorHandlers(app);
  // Before any route, so that the OpenAPI document sees every one of them.
  await installOpenApi(app, VERSION);
  // CORS first, so that every answer a page can get (a 401, a drain's 503) carries its headers.
  if (config.corsOrigins.length > 0) {
    await app.register(cors, { origin: [...config.corsOrigins], exposedHeaders: ['x-request-id', 'retry-after', 'request-id'] });
  }
  installLifecycle(app, lifecycle);
  installAuth(app);
  installMetrics(app, metrics);
  if (config.maxEventLoopDelayMs > 0) {
    // An overloaded process sheds API requests with 503 + retry-after instead of falling over; probes and
    // metrics still answer so that an orchestrator sees a live, busy process.
    await app.register(underPressure, {
      maxEventLoopDelay: config.maxEventLoopDelayMs,
      retryAfter: 5,
      pressureHandler: (request, reply, type, value) => {
        if (!routePathOf(request).startsWith('/v1/')) return;
        request.log.warn({ type, value }, 'under pressure: request shed');
        reply.header('retry-after', '5');
        sendError(request, reply, new ProxyError(503, 'The proxy is overloaded; retry shortly', { code: 'proxy_overloaded' }));
      },
    });
  }
  // Only JSON bodies are accepted: anything else is a 415 in the route's error shape.
  app.removeContentTypeParser('text/plain');

  await app.register(healthRoutes, { version: VERSION });
  await app.register(modelRoutes);
  await app.register(messagesRoutes);
  await app.register(chatCompletionRoutes, deps.chatCompletions ?? {});
  return app;
}

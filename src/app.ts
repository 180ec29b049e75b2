// buildApp(config) is the only way to make a server. The http/ plugins are named and declare what they
// depend on (fastify-plugin checks it); what each route wants from them it declares itself (route-policy.ts).
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import websocket from '@fastify/websocket';
import { configSecrets, type Config } from './config.ts';
import { createLogger, liveSecretsOf, logHealthOf, type Logger } from './logging.ts';
import { ProxyError } from './errors.ts';
import { authPlugin } from './http/auth.ts';
import { answerClientError } from './http/client-errors.ts';
import { bodyBudgetPlugin } from './http/body-budget.ts';
import { errorHandlerPlugin, sendError } from './http/error-handler.ts';
import { jsonLimitsPlugin } from './http/json-limits.ts';
import { createLifecycle, lifecyclePlugin, type Lifecycle } from './http/lifecycle.ts';
import { loadSheddingPlugin } from './http/load-shedding.ts';
import { Metrics, combineObservers, metricsPlugin } from './http/metrics.ts';
import { openApiPlugin } from './http/openapi.ts';
import { endRefusedUpgrade } from './http/refused-upgrade.ts';
import { requestContextPlugin, requestIdFor } from './http/request-context.ts';
import { routePolicyPlugin } from './http/route-policy.ts';
import { secretsPlugin } from './http/secrets.ts';
import { tracingFromConfig, tracingPlugin, type Tracing } from './http/tracing.ts';
import { chatCompletionRoutes, type ChatCompletionRouteOptions } from './routes/chat-completions.ts';
import { responsesRoutes, type ResponsesRouteOptions } from './routes/responses.ts';
import { createResponsesStore } from './state/create-store.ts';
import { createClientState } from './state/client-state.ts';
import { clientLimitsPlugin, type ClientStores } from './http/client-limits.ts';
import { adminRoutes } from './routes/admin.ts';
import { healthRoutes } from './routes/health.ts';
import { messagesRoutes } from './routes/messages.ts';
import { modelRoutes } from './routes/models.ts';
import type { UpstreamClientOptions } from './upstream/client.ts';
import { UpstreamDirectory } from './upstream/directory.ts';
import type { RoutingTable } from './routing.ts';
import './http/decorations.ts';
import { VERSION } from './version.ts';

export interface AppDeps {
  /** A ready logger; by default one is built from the config (stdout + LOG_DIR files). */
  logger?: Logger;
  lifecycle?: Lifecycle;
  /** Retry pacing and observers for the upstream clients (tests make retries fast). */
  upstream?: UpstreamClientOptions;
  /** The upstreams and model routes (default: the configuration's). */
  routing?: RoutingTable;
  /** Clock for chat completions' `created` (tests fix it). */
  chatCompletions?: ChatCompletionRouteOptions;
  /** The client limits and usage stores (default: the ones REDIS_URL and DATA_DIR choose). */
  clientStores?: ClientStores;
  /** The Responses API's store (default: the one RESPONSES_STORE_URL chooses, sized by the config), clock and ids. */
  responses?: Partial<ResponsesRouteOptions>;
  /** Tracing with a given provider (tests: an in-memory exporter); default: the one the OTEL_* settings describe, if any. */
  tracing?: Tracing;
}

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const logger = deps.logger ?? createLogger(config, configSecrets(config));
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdFor,
    bodyLimit: config.bodyLimitBytes,
    // Slow clients: the headers within CLIENT_HEADERS_TIMEOUT_MS, the whole request within
    // CLIENT_REQUEST_TIMEOUT_MS (Node stops counting once the request has arrived, so a long answer is never
    // cut), checked every second; a client that is too slow gets a 408 (client-errors.ts).
    requestTimeout: config.clientRequestTimeoutMs,
    http: { headersTimeout: config.clientHeadersTimeoutMs, connectionsCheckingInterval: 1000 },
    // No idle timeout on the socket: a client may wait minutes for a whole answer, and streams as long as
    // the upstream timeouts allow.
    connectionTimeout: 0,
    clientErrorHandler: answerClientError,
    // The drain answers 503 in the route's own error shape (lifecycle plugin), not fastify's.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // Requests the router cannot take (a malformed percent-escape, an over-long parameter) get the
    // service's error shape and request id like any other error.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id);
      sendError(request, reply, new ProxyError('invalid_url', `The request URL is not valid: ${error.message}`));
    },
    // allowUnionTypes: OpenAI fields such as `content` or `stop` take more than one JSON type.
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false, allowUnionTypes: true } },
  }) as unknown as FastifyInstance;

  app.decorate('config', config);
  // Beyond MAX_CONNECTIONS Node closes new connections as they arrive (counted, see installMetrics).
  app.server.maxConnections = config.maxConnections;
  const logHealth = logHealthOf(logger);
  app.decorate('logHealth', logHealth);
  const lifecycle = deps.lifecycle ?? createLifecycle();
  const metrics = new Metrics(() => lifecycle.openStreams.size, () => lifecycle.inFlight, logHealth);
  let lastDropWarning = 0;
  app.server.on('drop', () => {
    metrics.connectionDropped();
    // One line per 10 s at most: a flood of connections must not become a flood of log lines.
    if (Date.now() - lastDropWarning < 10_000) return;
    lastDropWarning = Date.now();
    app.log.warn({ max_connections: config.maxConnections }, 'MAX_CONNECTIONS client connections are open: new connections are closed on arrival');
  });
  const upstreams = new UpstreamDirectory(deps.routing ?? config.routing, {
    bodyLimitBytes: config.bodyLimitBytes,
    ...deps.upstream,
    observer: combineObservers(metrics.upstreamObserver, deps.upstream?.observer),
  });
  app.decorate('upstreams', upstreams);
  metrics.watchUpstreams(upstreams);
  app.addHook('onClose', async () => upstreams.close());

  await app.register(routePolicyPlugin);
  app.addHook('onRequest', endRefusedUpgrade);
  await app.register(requestContextPlugin);
  // Off (no hook at all) unless an OTLP endpoint is set; the provider is the app's, shut down with it.
  const tracing = deps.tracing ?? (config.tracing === null ? null : tracingFromConfig(config.tracing, VERSION));
  if (tracing !== null) await app.register(tracingPlugin, { tracing });
  // Before anything that may log: the request's keys are masked from its first line on.
  await app.register(secretsPlugin, { live: liveSecretsOf(logger) });
  await app.register(errorHandlerPlugin);
  await app.register(openApiPlugin, { version: VERSION });
  // onRequest hooks run in registration order. CORS first, so that every answer a page can get (a 401, a
  // drain's 503) carries its headers; then the drain, the key, and shedding.
  if (config.corsOrigins.length > 0) {
    await app.register(cors, { origin: [...config.corsOrigins], exposedHeaders: ['x-request-id', 'retry-after', 'request-id'] });
  }
  await app.register(lifecyclePlugin, { lifecycle });
  await app.register(authPlugin);
  await app.register(metricsPlugin, { metrics });
  const clientState = deps.clientStores ? { ...deps.clientStores, close: async () => {} } : createClientState(config, logger);
  app.addHook('onClose', async () => clientState.close());
  metrics.watchLimitsStore(() => clientState.limits.health(), config.redisFailMode);
  await app.register(clientLimitsPlugin, { stores: clientState });
  // After the drain and the key: a refused or unauthenticated request never takes body budget.
  await app.register(bodyBudgetPlugin);
  if (config.maxEventLoopDelayMs > 0) await app.register(loadSheddingPlugin, { maxEventLoopDelayMs: config.maxEventLoopDelayMs });
  // Only JSON bodies are accepted: anything else is a 415 in the route's error shape.
  app.removeContentTypeParser('text/plain');
  await app.register(jsonLimitsPlugin);
  // WebSocket mode of the Responses API: a client event is a request body, bounded as one (1009 beyond).
  await app.register(websocket, { options: { maxPayload: config.bodyLimitBytes, perMessageDeflate: false } });

  const responsesStore = deps.responses?.store ?? createResponsesStore(config, logger, metrics.storeObserver);
  app.addHook('onClose', async () => responsesStore.close());
  const storeHealth = responsesStore.health?.bind(responsesStore) ?? (async () => ({ kind: 'memory' as const, status: 'up' as const }));
  metrics.watchStore(storeHealth);
  await app.register(healthRoutes, { version: VERSION, storeHealth, limitsHealth: async () => ({ ...(await clientState.limits.health()), fail_mode: config.redisFailMode }) });
  await app.register(adminRoutes);
  await app.register(modelRoutes);
  await app.register(messagesRoutes);
  await app.register(chatCompletionRoutes, deps.chatCompletions ?? {});
  await app.register(responsesRoutes, { ...deps.responses, store: responsesStore });
  return app;
}

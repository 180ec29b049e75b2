// Several mock upstreams on real ports behind one service, with a routing table built from a short description.
import type { Teardown } from './app.ts';
import { buildTestApp, listen, targetOf } from './app.ts';
import { MockUpstream } from './mock-upstream.ts';
import type { ModelRoute, PromptCacheOverride, RoutingTable, UpstreamKey, UpstreamTarget } from '../../src/routing.ts';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../src/app.ts';
import type { ProviderName } from '../../src/wire/provider.ts';

export interface UpstreamSketch {
  /** Default: a fresh mock upstream on a real port. */
  url?: string;
  profile?: ProviderName;
  keys?: UpstreamKey[];
  queue?: { maxWaitMs: number; maxLength: number };
  timeouts?: Partial<UpstreamTarget['timeouts']>;
  promptCache?: PromptCacheOverride;
}

export interface RoutedSetup {
  app: FastifyInstance;
  base: string;
  logs: string[];
  mocks: Record<string, MockUpstream>;
}

/** Builds the mocks, the table (`models`: public name -> [upstream, model id, priority?, weight?]) and the app on a real port (with `deps`, e.g. tracing). */
export async function routedSetup(
  t: Teardown,
  upstreams: Record<string, UpstreamSketch>,
  models: Record<string, Array<[string, string, number?, number?]>>,
  env: Record<string, string> = {},
  deps: AppDeps = {},
): Promise<RoutedSetup> {
  env = { MAX_RETRIES: '0', ...env };
  const mocks: Record<string, MockUpstream> = {};
  const targets: UpstreamTarget[] = [];
  for (const [name, sketch] of Object.entries(upstreams)) {
    let url = sketch.url;
    if (url === undefined) {
      const mock = await MockUpstream.start();
      t.teardown(() => mock.close());
      mocks[name] = mock;
      url = mock.url;
    }
    const base = targetOf({ UPSTREAM_BASE: url, ...env });
    targets.push({
      ...base,
      name,
      profile: sketch.profile ?? 'generic',
      keys: sketch.keys ?? [{ name: `${name}-key`, value: `sk-${name}-0123456789` }],
      forwardClientKey: false,
      queue: sketch.queue ?? base.queue,
      timeouts: { ...base.timeouts, ...sketch.timeouts },
      ...(sketch.promptCache === undefined ? {} : { promptCache: sketch.promptCache }),
    });
  }
  const routes: Record<string, ModelRoute[]> = {};
  for (const [name, list] of Object.entries(models)) {
    routes[name] = list.map(([upstream, model, priority, weight], index) => ({ upstream, model, priority: priority ?? index, weight: weight ?? 1 }));
  }
  const routing: RoutingTable = { targets, models: routes };
  const { app, logs } = await buildTestApp(t, env, { ...deps, routing, upstream: { retryBaseMs: 5, retryCapMs: 10 } });
  const base = await listen(app);
  return { app, base, logs, mocks };
}

/** The access lines written so far, parsed. */
export function accessLines(logs: string[]): Array<Record<string, unknown>> {
  return logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'request completed');
}

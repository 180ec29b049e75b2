// The Grafana dashboard and the compose profile `observability`, checked without Docker: every metric the
// dashboard's queries use is one the service exports (scraped from a test app after real traffic, a fallback
// and a stream among it), and the profile brings up public Prometheus and Grafana images with the
// dashboard and its data source provisioned from files of the repository.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { anthropicErrorBody, textStreamEvents } from '../helpers/mock-upstream.ts';
import { routedSetup } from '../helpers/routing.ts';

const REPO = resolve(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(resolve(REPO, path), 'utf8');
const DASHBOARD = 'docker/grafana/dashboards/anthropic-proxy.json';

interface Panel { title?: string; type: string; targets?: Array<{ expr?: string }>; panels?: Panel[] }
const dashboard = JSON.parse(read(DASHBOARD)) as { uid: string; panels: Panel[]; templating: { list: Array<{ query?: unknown; definition?: string }> } };

/** Every PromQL expression of the dashboard: its panels' (rows' too) and its variables' queries. */
function expressions(): string[] {
  const panels = (list: Panel[]): Panel[] => list.flatMap((panel) => [panel, ...panels(panel.panels ?? [])]);
  const exprs = panels(dashboard.panels).flatMap((panel) => (panel.targets ?? []).map((target) => target.expr ?? ''));
  for (const variable of dashboard.templating.list) if (variable.definition) exprs.push(variable.definition);
  return exprs.filter((expr) => expr !== '');
}

/** The metric names a scrape declares (a histogram's series too) and those with at least one sample. */
function exported(text: string): { declared: Set<string>; sampled: Set<string> } {
  const declared = new Set<string>();
  const sampled = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      declared.add(type[1]!);
      if (type[2] === 'histogram' || type[2] === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) declared.add(type[1]! + suffix);
    } else if (line !== '' && !line.startsWith('#')) {
      sampled.add(/^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0]);
    }
  }
  return { declared, sampled };
}

t.test('every metric the dashboard queries is exported by the service', async (t) => {
  const { base, mocks } = await routedSetup(t, { zai: { profile: 'zai' }, anthropic: { profile: 'anthropic' } }, {
    'glm-4.6': [['zai', 'glm-4.6'], ['anthropic', 'claude-sonnet-4-5']],
  });
  // A fallback, then a streamed answer with cache reads; then a plain whole answer.
  mocks.zai!.enqueue({ kind: 'json', status: 429, body: anthropicErrorBody('rate_limit_error', 'slow down') });
  mocks.anthropic!.enqueue({ kind: 'sse', events: textStreamEvents(['Hello'], { usage: { input_tokens: 10, output_tokens: 1, cache_read_input_tokens: 90 } }) });
  for (const stream of [true, false]) {
    const response = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer client-key' },
      body: JSON.stringify({ model: 'glm-4.6', stream, messages: [{ role: 'user', content: 'hi' }] }),
    });
    t.equal(response.status, 200);
    await response.text();
  }
  const scrape = await fetch(`${base}/metrics`);
  t.equal(scrape.status, 200);
  const { declared, sampled } = exported(await scrape.text());

  const exprs = expressions();
  t.ok(exprs.length >= 25, `the dashboard has its queries (${exprs.length})`);
  const used = new Set(exprs.flatMap((expr) => [...expr.matchAll(/\b[a-z_:][a-z0-9_:]*(?=\s*[{[)]|\s*$|\s*\))/g)].map((match) => match[0])).filter((name) => name.startsWith('proxy_')));
  t.ok(used.size >= 20, `the dashboard uses the service's metrics (${used.size})`);
  for (const name of used) t.ok(declared.has(name), `${name} is exported`);
  for (const expr of exprs) t.notOk(/\b(?!proxy_)[a-z]+_[a-z_]+_(total|seconds|bytes)\b/.test(expr), `no metric from elsewhere in ${expr}`);

  // The traffic above shows in the series the headline panels read.
  for (const name of ['proxy_time_to_first_byte_seconds_bucket', 'proxy_upstream_fallbacks_total', 'proxy_upstream_attempts_total', 'proxy_tokens_total', 'proxy_http_requests_total', 'proxy_upstream_queue_depth', 'proxy_open_streams']) {
    t.ok(sampled.has(name), `${name} has samples after the traffic`);
  }
});

t.test('the dashboard reads its data source from a variable, and the compose profile provisions it', async (t) => {
  const json = read(DASHBOARD);
  t.notOk(/"uid":\s*"(?!\$\{datasource\}|anthropic-proxy")/.test(json), 'every data source reference is the ${datasource} variable');
  const compose = parse(read('docker-compose.yml')) as { services: Record<string, Record<string, any>>; volumes: Record<string, unknown> };
  const { prometheus, grafana } = compose.services;
  t.ok(prometheus && grafana, 'Prometheus and Grafana services');
  for (const [name, service] of Object.entries({ prometheus, grafana })) {
    t.same(service!.profiles, ['observability'], `${name} only in the observability profile`);
    t.match(service!.image, name === 'prometheus' ? /^prom\/prometheus:v\d/ : /^grafana\/grafana:\d/, `${name}: the public image, pinned`);
    for (const volume of service!.volumes as string[]) {
      const source = volume.split(':')[0]!;
      if (source.startsWith('./')) t.ok(existsSync(resolve(REPO, source)), `${source} is in the repository`);
      else t.ok(source in compose.volumes, `${source} is a named volume`);
    }
  }
  t.ok((grafana!.volumes as string[]).includes('./docker/grafana/dashboards:/var/lib/grafana/dashboards:ro'), 'the dashboards folder where the provider looks');
  t.match(read('docker/grafana/provisioning/dashboards/anthropic-proxy.yml'), /path: \/var\/lib\/grafana\/dashboards/);
  t.match(read('docker/grafana/provisioning/datasources/prometheus.yml'), /url: http:\/\/prometheus:9090/);
  const scrape = parse(read('docker/prometheus/prometheus.yml')) as { scrape_configs: Array<{ metrics_path: string; static_configs: Array<{ targets: string[] }> }> };
  t.equal(scrape.scrape_configs[0]!.metrics_path, '/metrics');
  t.ok(scrape.scrape_configs[0]!.static_configs[0]!.targets.includes('anthropic-proxy:5000'), 'the service, on the port it listens on in its container');
  t.notOk('profiles' in compose.services['anthropic-proxy']!, '`docker compose up` still starts the service alone');
});

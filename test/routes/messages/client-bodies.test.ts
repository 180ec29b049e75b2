// The passthrough with what real clients send (test/fixtures/clients/, recorded by test/clients/): every
// recorded Messages request is forwarded as it is, with its betas and query string, and the local token
// estimate copes with it. Plus bodies that use what Anthropic may add later (roles, block types, fields).
import t from 'tap';
import { buildTestApp } from '../../helpers/app.ts';
import { MockUpstream, anthropicErrorBody } from '../../helpers/mock-upstream.ts';
import { readClientFixture, type RecordedClientRequest } from '../../clients/harness.ts';

const PASSTHROUGH_FIXTURES = ['claude-code-plain', 'claude-code-read-tool', 'anthropic-sdk-messages', 'anthropic-sdk-tools'];

async function setup(t: { teardown(fn: () => unknown): void }, env: Record<string, string> = {}) {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0', ...env });
  return { mock, app };
}

/** The recorded headers a client would send again (keys restored, volatile values left out). */
function replayHeaders(request: RecordedClientRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === '<volatile>') continue;
    headers[name] = value.replace('<key>', 'sk-client-key');
  }
  return headers;
}

for (const name of PASSTHROUGH_FIXTURES) {
  t.test(`${name}: every recorded request is forwarded as it is`, async (t) => {
    const fixture = readClientFixture(name);
    const { mock, app } = await setup(t);
    const requests = fixture.requests.filter((request) => request.url.startsWith('/v1/messages'));
    t.ok(requests.length > 0, 'the fixture has Messages requests');
    for (const request of requests) {
      const payload = JSON.stringify(request.body);
      const res = await app.inject({ method: 'POST', url: request.url, headers: replayHeaders(request), payload });
      t.equal(res.statusCode, 200, `${request.url}: ${res.body.slice(0, 300)}`);
      const upstream = mock.lastRequest;
      t.equal(upstream.rawBody.toString(), payload, 'the very bytes');
      t.equal(upstream.url, request.url, 'query string kept');
      t.equal(upstream.headers['anthropic-beta'], request.headers['anthropic-beta'], 'betas forwarded');
      t.equal(upstream.headers['anthropic-version'], request.headers['anthropic-version']);
      t.equal(upstream.headers['x-api-key'], 'sk-client-key');
    }
  });
}

t.test("Claude Code's conversation (a system turn inside messages) through count_tokens: forwarded, and estimated locally", async (t) => {
  const recorded = readClientFixture('claude-code-read-tool').requests.at(-1)!;
  const { model, messages, system, tools, thinking } = recorded.body;
  t.ok(messages.some((message: { role: string }) => message.role === 'system'), 'the recording has a system turn in messages');
  const payload = JSON.stringify({ model, messages, system, tools, thinking });

  const forwarded = await setup(t, { COUNT_SHAPE_COMPAT: 'false' });
  const res = await forwarded.app.inject({ method: 'POST', url: '/v1/messages/count_tokens?beta=true', headers: replayHeaders(recorded), payload });
  t.equal(res.statusCode, 200);
  t.same(res.json(), { input_tokens: 42 });
  t.equal(forwarded.mock.lastRequest.rawBody.toString(), payload);
  t.equal(forwarded.mock.lastRequest.path, '/v1/messages/count_tokens');

  const local = await setup(t, { FORWARD_COUNT_TO_UPSTREAM: 'false' });
  const estimated = await local.app.inject({ method: 'POST', url: '/v1/messages/count_tokens', headers: replayHeaders(recorded), payload });
  t.equal(estimated.statusCode, 200);
  t.ok(estimated.json().input_tokens > 1000, `a real estimate: ${estimated.json().input_tokens}`);
  t.equal(local.mock.requests.length, 0);
});

t.test('roles, block types, fields and betas the service does not know are forwarded, and so is the verdict', async (t) => {
  const { mock, app } = await setup(t);
  const body = {
    model: 'glm-4.5',
    max_tokens: 64,
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'hologram_2031', frames: 3 }] },
      { role: 'system', content: 'mid-conversation instruction', output_config: { effort: 'low' } },
      { role: 'narrator', content: 'a role from the future' },
    ],
    system: 7,
    context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
    output_config: { effort: 'medium', format: { type: 'json_schema', schema: { type: 'object' } } },
    thinking: { type: 'adaptive', display: 'omitted' },
    brand_new_field: { anything: [1, null, 'x'] },
  };
  const payload = JSON.stringify(body);
  for (const url of ['/v1/messages', '/v1/messages/count_tokens']) {
    mock.enqueue({ kind: 'json', status: 400, body: anthropicErrorBody('invalid_request_error', 'messages.2.role: Input should be user or assistant') });
    const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', 'anthropic-beta': 'future-feature-2031-01-01' }, payload });
    t.equal(mock.lastRequest.rawBody.toString(), payload, `${url}: forwarded as sent`);
    t.equal(mock.lastRequest.headers['anthropic-beta'], 'future-feature-2031-01-01');
    t.equal(res.statusCode, 400, "the upstream's answer");
    t.equal(res.json().error.message, 'messages.2.role: Input should be user or assistant');
  }
  // And the same body answered 200 when the upstream takes it.
  const ok = await app.inject({ method: 'POST', url: '/v1/messages', headers: { 'content-type': 'application/json' }, payload });
  t.equal(ok.statusCode, 200);
  t.equal(ok.json().type, 'message');
});

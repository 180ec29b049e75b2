// A self-contained mock Anthropic upstream for the container test (test/docker/run.sh): it runs in its
// own container from the service image (`node mock-upstream.ts`), so it may import node: modules only.
// POST /v1/messages answers a fixed message (as SSE when stream is true), /v1/messages/count_tokens a
// count; every request is logged as one JSON line so that the test can see what the proxy sent.
import { createServer } from 'node:http';

const REPLY = 'Hello from the mock upstream';
const expectedKey = process.env.MOCK_EXPECT_KEY ?? '';

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function message(model: string) {
  return {
    id: 'msg_mock_1',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: REPLY }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 7, output_tokens: 5 },
  };
}

function streamOf(model: string): string {
  const start = { ...message(model), content: [], stop_reason: null, usage: { input_tokens: 7, output_tokens: 1 } };
  return [
    sse('message_start', { type: 'message_start', message: start }),
    sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: REPLY } }),
    sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
    sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } }),
    sse('message_stop', { type: 'message_stop' }),
  ].join('');
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    let body: { model?: string; stream?: boolean } = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      // answered below as a 400
    }
    const key = request.headers['x-api-key'];
    process.stdout.write(`${JSON.stringify({ mock: 'request', method: request.method, url: request.url, model: body.model, stream: body.stream === true, key_ok: key === expectedKey })}\n`);
    const path = (request.url ?? '').split('?')[0];
    if (request.method === 'POST' && path === '/v1/messages') {
      if (body.stream === true) {
        response.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': 'req_mock_1' });
        response.end(streamOf(body.model ?? 'glm-4.5'));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_mock_1' });
      response.end(JSON.stringify(message(body.model ?? 'glm-4.5')));
      return;
    }
    if (request.method === 'POST' && path === '/v1/messages/count_tokens') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ input_tokens: 7 }));
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: `mock: no ${request.method} ${path}` } }));
  });
});

const port = Number(process.env.MOCK_PORT) || 8080;
server.listen(port, '0.0.0.0', () => process.stdout.write(`${JSON.stringify({ mock: 'listening', port })}\n`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));

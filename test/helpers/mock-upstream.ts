// A scripted mock of an Anthropic-compatible upstream on a real port (127.0.0.1:0). It records what it
// receives (method, path, headers, parsed body, whether the client went away early) and answers with the
// real wire format: JSON messages, SSE event sequences, Anthropic error bodies. Replies are queued per test;
// with an empty queue it answers a plain text message.
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  body: any;
  /** True once the client closed the connection before the reply was complete. */
  aborted: boolean;
  /** Resolves when the exchange is over (reply finished, or the client went away). */
  done: Promise<void>;
}

export interface SseEvent {
  event?: string;
  data: unknown;
}

export type MockReply =
  | { kind: 'json'; status?: number; body: unknown; headers?: Record<string, string>; delayMs?: number }
  | {
      kind: 'sse';
      /** Events, or raw SSE text split in chunks exactly as given. */
      events?: SseEvent[];
      chunks?: (string | Buffer)[];
      status?: number;
      headers?: Record<string, string>;
      /** Pause between writes. */
      delayMs?: number;
      /** Wait before the headers go out. */
      headerDelayMs?: number;
      /** After the last write: end normally (default), keep the stream open, or destroy the socket. */
      after?: 'end' | 'hang' | 'destroy';
    }
  | { kind: 'raw'; status: number; body: string | Buffer; headers?: Record<string, string> }
  /** Never answers (for timeouts and disconnect tests). */
  | { kind: 'hang' }
  /** Drops the connection without an answer. */
  | { kind: 'destroy' };

export type MockHandler = (request: RecordedRequest) => MockReply | Promise<MockReply>;

export function sseText(events: SseEvent[]): string {
  return events
    .map(({ event, data }) => {
      const type = event ?? (data as { type?: string }).type;
      return `${type ? `event: ${type}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
    })
    .join('');
}

export interface MessageOptions {
  id?: string;
  model?: string;
  text?: string;
  content?: unknown[];
  stop_reason?: string | null;
  usage?: Record<string, number> | null;
}

/** A complete non-streaming Messages API response. */
export function anthropicMessage(options: MessageOptions = {}): Record<string, unknown> {
  const message: Record<string, unknown> = {
    id: options.id ?? 'msg_mock_0001',
    type: 'message',
    role: 'assistant',
    model: options.model ?? 'glm-4.5',
    content: options.content ?? [{ type: 'text', text: options.text ?? 'Hello from the mock upstream.' }],
    stop_reason: options.stop_reason === undefined ? 'end_turn' : options.stop_reason,
    stop_sequence: null,
  };
  if (options.usage !== null) message.usage = options.usage ?? { input_tokens: 12, output_tokens: 7 };
  return message;
}

/** The event sequence Anthropic streams for a text answer split into `parts`. */
export function textStreamEvents(parts: string[], options: MessageOptions = {}): SseEvent[] {
  const usage = options.usage ?? { input_tokens: 12, output_tokens: 1 };
  return [
    {
      data: {
        type: 'message_start',
        message: { ...anthropicMessage({ ...options, content: [], stop_reason: null }), usage },
      },
    },
    { data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
    { data: { type: 'ping' } },
    ...parts.map((text) => ({ data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } } })),
    { data: { type: 'content_block_stop', index: 0 } },
    {
      data: {
        type: 'message_delta',
        delta: { stop_reason: options.stop_reason ?? 'end_turn', stop_sequence: null },
        usage: { output_tokens: parts.length },
      },
    },
    { data: { type: 'message_stop' } },
  ];
}

export function anthropicErrorBody(type: string, message: string): Record<string, unknown> {
  return { type: 'error', error: { type, message }, request_id: 'req_mock_error' };
}

export class MockUpstream {
  readonly requests: RecordedRequest[] = [];
  private readonly queue: MockReply[] = [];
  private handler: MockHandler | null = null;
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];
  private server: Server;
  url = '';

  constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  static async start(): Promise<MockUpstream> {
    const mock = new MockUpstream();
    mock.server.listen(0, '127.0.0.1');
    await once(mock.server, 'listening');
    mock.url = `http://127.0.0.1:${(mock.server.address() as AddressInfo).port}`;
    return mock;
  }

  /** Queue replies, answered in order to the next requests. */
  enqueue(...replies: MockReply[]): this {
    this.queue.push(...replies);
    return this;
  }

  /** Answer every request with a function (after the queue is empty). */
  setHandler(handler: MockHandler | null): this {
    this.handler = handler;
    return this;
  }

  get lastRequest(): RecordedRequest {
    const last = this.requests.at(-1);
    if (!last) throw new Error('the mock upstream has received no request');
    return last;
  }

  /** Resolves once `count` requests have arrived in all; rejects after `timeoutMs` so a test fails, not hangs. */
  waitForRequests(count: number, timeoutMs = 10_000): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the mock upstream got ${this.requests.length} of ${count} requests in ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** Sockets the mock still holds open (0 once every client connection is gone). */
  async openConnections(): Promise<number> {
    return new Promise((resolve, reject) => this.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks);
    let body: unknown = null;
    try {
      body = rawBody.length > 0 ? JSON.parse(rawBody.toString('utf8')) : null;
    } catch {
      body = rawBody.toString('utf8');
    }
    let finish!: () => void;
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      path: (req.url ?? '').split('?')[0],
      headers: req.headers,
      rawBody,
      body,
      aborted: false,
      done: new Promise<void>((resolve) => (finish = resolve)),
    };
    res.on('close', () => {
      if (!res.writableFinished) recorded.aborted = true;
      finish();
    });
    this.requests.push(recorded);
    for (const waiter of this.waiters.filter((w) => this.requests.length >= w.count)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    const reply = this.queue.shift() ?? (this.handler ? await this.handler(recorded) : defaultReply(recorded));
    await this.send(res, reply);
  }

  private async send(res: ServerResponse, reply: MockReply): Promise<void> {
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    switch (reply.kind) {
      case 'json': {
        if (reply.delayMs) await sleep(reply.delayMs);
        if (res.destroyed) return;
        const text = JSON.stringify(reply.body);
        res.writeHead(reply.status ?? 200, {
          'content-type': 'application/json',
          'request-id': 'req_mock_0001',
          ...reply.headers,
        });
        res.end(text);
        return;
      }
      case 'raw':
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(reply.body);
        return;
      case 'sse': {
        if (reply.headerDelayMs) await sleep(reply.headerDelayMs);
        if (res.destroyed) return;
        res.writeHead(reply.status ?? 200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          'request-id': 'req_mock_stream',
          ...reply.headers,
        });
        res.flushHeaders();
        const pieces = reply.chunks ?? (reply.events ?? []).map((event) => sseText([event]));
        for (const piece of pieces) {
          if (res.destroyed) return;
          res.write(piece);
          if (reply.delayMs) await sleep(reply.delayMs);
        }
        if (reply.after === 'hang') return;
        if (reply.after === 'destroy') {
          // Let the written events reach the client before the connection drops.
          await sleep(30);
          res.destroy();
          return;
        }
        res.end();
        return;
      }
      case 'hang':
        return;
      case 'destroy':
        res.socket?.destroy();
        return;
      default: {
        const never: never = reply;
        throw new Error(`unknown mock reply ${JSON.stringify(never)}`);
      }
    }
  }
}

function defaultReply(request: RecordedRequest): MockReply {
  const model = typeof request.body?.model === 'string' ? request.body.model : 'glm-4.5';
  if (request.path.endsWith('/count_tokens')) return { kind: 'json', body: { input_tokens: 42 } };
  if (request.body?.stream === true) return { kind: 'sse', events: textStreamEvents(['Hello', ' world'], { model }) };
  return { kind: 'json', body: anthropicMessage({ model }) };
}

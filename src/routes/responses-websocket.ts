// WebSocket mode of the Responses API (OpenAI's "WebSocket mode" guide): GET /v1/responses with Upgrade, then
// `response.create` events from the client, each answered with the server events POST /v1/responses streams,
// one JSON text frame per event (the SSE data line, unchanged). Responses run one after another.
//
// Each response.create runs through the service's own POST /v1/responses in-process (fastify's inject, its body
// streamed as it is written): the same hooks (drain, key, load shedding, body budget), translation, routing,
// fallback, store, metrics and access line as over HTTP, with nothing copied. This file only carries events
// between the socket and that request, and keeps what belongs to the connection:
// - the last response, so that previous_response_id continues a store:false response within the connection;
// - the limits: message size (BODY_LIMIT_BYTES, ws's maxPayload), an idle and a total time, the drain.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProxyError, toOpenAIError } from '../errors.ts';
import { SseDecoder } from '../stream/sse-decoder.ts';
import { responseEcho } from '../translate/openai-responses/echo.ts';
import { ResponsesStreamMachine } from '../translate/openai-responses/stream.ts';
import { randomBytes } from 'node:crypto';
import type { InputItem, ResponseObject, ResponsesRequest } from '../wire/openai-responses.ts';

export interface WebSocketLimits {
  /** A connection with no response running for this long is closed (1000). */
  idleTimeoutMs: number;
  /** A connection is closed after this long, as OpenAI does after 60 minutes (error websocket_connection_limit_reached). */
  maxConnectionMs: number;
}

/**
 * What this route uses of the socket @fastify/websocket hands it (a ws WebSocket), declared here so that the
 * build needs no type package of ws.
 */
interface ClientSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  readonly OPEN: number;
  on(event: 'message', listener: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void): unknown;
  on(event: 'close' | 'error', listener: () => void): unknown;
  send(data: string, callback?: (error?: Error) => void): void;
  close(code?: number, reason?: string): void;
}

export const DEFAULT_WEBSOCKET_LIMITS: WebSocketLimits = { idleTimeoutMs: 10 * 60_000, maxConnectionMs: 60 * 60_000 };

/** Close codes (RFC 6455): normal, going away (the drain). */
const CLOSE_NORMAL = 1000;
const CLOSE_GOING_AWAY = 1001;
/** Above this many unsent bytes the next event waits for the client to take what was sent (a slow reader). */
const HIGH_WATER_BYTES = 1 << 20;

/** Handshake headers that describe the upgrade, not the request a response.create stands for. */
const NOT_FORWARDED = /^(connection|upgrade|sec-websocket-.*|content-length|content-type|content-encoding|transfer-encoding|accept-encoding|accept)$/;
const TERMINAL_EVENTS: ReadonlySet<string> = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** The last response of the connection when it was not stored: what continuing from it means. */
interface UnstoredTurn {
  id: string;
  /** The stored response it continued, if any. */
  previous: string | null;
  /** Its whole input (the earlier unstored turns included) and its output. */
  items: InputItem[];
}

function inputItems(input: unknown): InputItem[] {
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: input }] }];
  return Array.isArray(input) ? (input as InputItem[]) : [];
}

/** The error event OpenAI sends over WebSocket: the HTTP error body with the status. */
function errorEvent(status: number, body: unknown): string {
  const error = (body as { error?: unknown } | null)?.error ?? body;
  return JSON.stringify({ type: 'error', status, error });
}

export class ResponsesSocket {
  private readonly app: FastifyInstance;
  private readonly headers: Record<string, string | string[]>;
  private readonly remoteAddress: string;
  /** Events run one after another: each waits for the one before. */
  private queue: Promise<void> = Promise.resolve();
  private running = 0;
  private current: AbortController | null = null;
  private unstored: UnstoredTurn | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly totalTimer: NodeJS.Timeout;
  private closed = false;
  private readonly onDrain = (): void => this.closeWhenIdle(CLOSE_GOING_AWAY, 'server shutting down');

  private readonly socket: ClientSocket;
  private readonly limits: WebSocketLimits;

  constructor(socket: ClientSocket, request: FastifyRequest, limits: WebSocketLimits) {
    this.socket = socket;
    this.limits = limits;
    this.app = request.server;
    this.remoteAddress = request.ip;
    this.headers = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined && !NOT_FORWARDED.test(name)) this.headers[name] = value;
    }
    this.headers['content-type'] = 'application/json';
    this.headers.accept = 'text/event-stream';
    this.totalTimer = setTimeout(() => {
      this.send(errorEvent(400, toOpenAIError(new ProxyError('websocket_connection_limit_reached', `The connection reached its limit of ${limits.maxConnectionMs} ms: open a new one to continue`))));
      this.close(CLOSE_NORMAL, 'connection time limit');
    }, limits.maxConnectionMs);
    this.totalTimer.unref();
    socket.on('message', (data, isBinary) => this.take(data as Buffer, isBinary));
    socket.on('close', () => this.gone());
    socket.on('error', () => this.gone());
    this.app.lifecycle.drainListeners.add(this.onDrain);
    if (this.app.lifecycle.draining) this.onDrain();
    else this.armIdle();
  }

  private take(data: Buffer, isBinary: boolean): void {
    this.running++;
    this.disarmIdle();
    this.queue = this.queue.then(() => this.handle(isBinary ? null : data.toString('utf8'))).finally(() => {
      this.running--;
      if (this.app.lifecycle.draining) this.closeWhenIdle(CLOSE_GOING_AWAY, 'server shutting down');
      else if (this.running === 0) this.armIdle();
    });
  }

  private async handle(text: string | null): Promise<void> {
    if (this.closed) return;
    let event: Record<string, unknown> | null = null;
    try {
      const parsed: unknown = text === null ? null : JSON.parse(text);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) event = parsed as Record<string, unknown>;
    } catch {
      // answered below
    }
    if (event === null) {
      this.send(errorEvent(400, toOpenAIError(new ProxyError('invalid_json', 'A client event must be one JSON object in a text frame'))));
      return;
    }
    if (event.type !== 'response.create') {
      this.send(errorEvent(400, toOpenAIError(new ProxyError('unknown_event_type', `Unsupported event type ${JSON.stringify(event.type)}: send "response.create"`, { param: 'type' }))));
      return;
    }
    await this.create(event);
  }

  /** One response: the request as POST /v1/responses with stream:true, its events relayed as frames. */
  private async create(event: Record<string, unknown>): Promise<void> {
    const { type: _type, ...fields } = event;
    const body: Record<string, unknown> = { ...fields, stream: true };
    const unstored = this.unstored;
    if (unstored !== null && typeof body.previous_response_id === 'string' && body.previous_response_id === unstored.id) {
      // A store:false response lives only in the connection: its turns go in as input.
      body.previous_response_id = unstored.previous;
      body.input = [...unstored.items, ...inputItems(body.input)];
    }
    if (body.generate === false) {
      this.warmUp(body);
      return;
    }
    const abort = new AbortController();
    this.current = abort;
    try {
      const response = await this.app.inject({
        method: 'POST',
        url: '/v1/responses',
        headers: this.headers,
        payload: JSON.stringify(body),
        remoteAddress: this.remoteAddress,
        payloadAsStream: true,
        signal: abort.signal,
      });
      const stream = response.stream();
      if (abort.signal.aborted) {
        stream.destroy();
        return;
      }
      abort.signal.addEventListener('abort', () => response.raw.res.destroy(), { once: true });
      if (response.statusCode !== 200) {
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        let errorBody: unknown = null;
        try {
          errorBody = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          errorBody = { error: { type: 'server_error', code: null, message: 'The request failed', param: null } };
        }
        this.send(errorEvent(response.statusCode, errorBody));
        return;
      }
      await this.relay(stream, body);
    } catch (error) {
      if (abort.signal.aborted || this.closed) return;
      this.app.log.error({ err: error }, 'a WebSocket response failed');
      this.send(errorEvent(500, toOpenAIError(new ProxyError('internal_error', 'Internal error in the proxy; see its logs for details'))));
    } finally {
      if (this.current === abort) this.current = null;
    }
  }

  /** The SSE body of the answer, event by event, as frames; reading only as fast as the client takes them. */
  private async relay(stream: AsyncIterable<unknown>, body: Record<string, unknown>): Promise<void> {
    const decoder = new SseDecoder();
    const frames: string[] = [];
    let finished: ResponseObject | null = null;
    for await (const chunk of stream) {
      decoder.push(chunk as Buffer, (sse) => {
        if (sse.data === '') return;
        frames.push(sse.data);
        if (sse.event !== undefined && TERMINAL_EVENTS.has(sse.event)) finished = (JSON.parse(sse.data) as { response: ResponseObject }).response;
      });
      const batch = frames.splice(0);
      const last = batch.pop();
      for (const frame of batch) this.send(frame);
      if (last !== undefined) {
        if (this.socket.bufferedAmount > HIGH_WATER_BYTES) await this.sendAndWait(last);
        else this.send(last);
      }
      if (this.closed) return;
    }
    if (finished !== null) this.remember(body, finished);
  }

  /**
   * `generate: false` (OpenAI's WebSocket-mode warm-up, which Codex sends first): no model call; an empty
   * completed response whose id the next response.create continues from, with this request's input as its turn.
   */
  private warmUp(body: Record<string, unknown>): void {
    const request = body as ResponsesRequest;
    const model = typeof request.model === 'string' ? request.model : '';
    const machine = new ResponsesStreamMachine({
      responseId: `resp_${randomBytes(16).toString('hex')}`,
      createdAt: Math.floor(Date.now() / 1000),
      echo: responseEcho(request),
      fallbackModel: model,
      responseFormatTool: null,
    });
    const emit = (event: unknown): void => this.send(JSON.stringify(event));
    machine.handle({ type: 'message_start', message: { id: '', model, usage: { input_tokens: 0, output_tokens: 0 } } }, emit);
    machine.handle({ type: 'message_delta', delta: { stop_reason: 'end_turn' } }, emit);
    machine.handle({ type: 'message_stop' }, emit);
    const response = machine.response;
    if (response === null) return;
    const previous = typeof body.previous_response_id === 'string' ? body.previous_response_id : null;
    this.unstored = { id: response.id, previous, items: inputItems(body.input) };
  }

  /** Keeps a store:false response for previous_response_id on this connection (a stored one is in the store). */
  private remember(body: Record<string, unknown>, response: ResponseObject): void {
    if (body.store !== false) {
      this.unstored = null;
      return;
    }
    const previous = typeof body.previous_response_id === 'string' ? body.previous_response_id : null;
    this.unstored = { id: response.id, previous, items: [...inputItems(body.input), ...(response.output as unknown as InputItem[])] };
  }

  private send(frame: string): void {
    if (!this.closed && this.socket.readyState === this.socket.OPEN) this.socket.send(frame);
  }

  /** Sends a frame and resolves once it (and so everything before it) has left, or the socket is gone. */
  private sendAndWait(frame: string): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed || this.socket.readyState !== this.socket.OPEN) resolve();
      else this.socket.send(frame, () => resolve());
    });
  }

  private armIdle(): void {
    this.disarmIdle();
    this.idleTimer = setTimeout(() => this.close(CLOSE_NORMAL, 'idle timeout'), this.limits.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private disarmIdle(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private closeWhenIdle(code: number, reason: string): void {
    if (this.running === 0) this.close(code, reason);
  }

  private close(code: number, reason: string): void {
    if (this.closed) return;
    this.gone();
    this.socket.close(code, reason);
  }

  /** The connection is over: the response running, if any, is aborted (and with it the upstream request). */
  private gone(): void {
    if (this.closed) return;
    this.closed = true;
    this.disarmIdle();
    clearTimeout(this.totalTimer);
    this.app.lifecycle.drainListeners.delete(this.onDrain);
    this.current?.abort();
  }
}

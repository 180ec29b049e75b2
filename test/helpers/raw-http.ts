// Raw HTTP over a real socket, for what a well-behaved client never sends: bytes trickled one by one,
// malformed framing, nothing at all.
import { connect, type Socket } from 'node:net';

export interface RawExchange {
  /** Everything the server sent, as text. */
  response: string;
  /** Milliseconds from connecting until the server closed the connection. */
  closedAfterMs: number;
  /** The parsed status line and headers, and the body, when a response came. */
  status: number | null;
  headers: Record<string, string>;
  body: string;
}

export interface RawOptions {
  /** Bytes to send at once after connecting. */
  send?: string;
  /** Then these bytes, one every `trickleMs`, while the connection is open. */
  trickle?: string;
  trickleMs?: number;
  /** Give up (and fail the test) after this long. */
  timeoutMs?: number;
}

export function rawExchange(port: number, options: RawOptions): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket: Socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${options.timeoutMs ?? 10_000} ms`));
    }, options.timeoutMs ?? 10_000);
    socket.on('connect', () => {
      if (options.send) socket.write(options.send);
      const trickle = options.trickle ?? '';
      let at = 0;
      if (trickle !== '') {
        timer = setInterval(() => {
          if (at >= trickle.length || socket.destroyed || !socket.writable) return clearInterval(timer);
          socket.write(trickle[at++]!);
        }, options.trickleMs ?? 100);
      }
    });
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(giveUp);
      clearInterval(timer);
      const response = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = response.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1];
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ response, closedAfterMs: Date.now() - started, status: status ? Number(status) : null, headers, body: rest.join('\r\n\r\n') });
    });
  });
}

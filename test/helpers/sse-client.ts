// A bare HTTP client for SSE responses: control over reading (pause, read a little, hang up) that the SDKs
// do not give.
import { request as httpRequest, type IncomingMessage } from 'node:http';

export interface SseClient {
  response: IncomingMessage;
  /** Everything received so far. */
  text(): string;
  /** Reads until `predicate(text)` holds; fails after `timeoutMs`. */
  waitFor(predicate: (text: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Reads to the end of the response. */
  readAll(timeoutMs?: number): Promise<string>;
  /** Hangs up. */
  destroy(): void;
}

/** POSTs JSON and resolves once the response headers are in. Nothing is read until asked. */
export function postSse(url: string, body: unknown): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client' } });
    req.on('error', reject);
    req.on('response', (response) => {
      let received = '';
      let ended = false;
      const waiters = new Set<() => void>();
      const wake = () => waiters.forEach((waiter) => waiter());
      const start = () => {
        if (response.listenerCount('data') > 0) return;
        response.setEncoding('utf8');
        response.on('data', (piece: string) => {
          received += piece;
          wake();
        });
        response.on('end', () => {
          ended = true;
          wake();
        });
        response.on('close', () => {
          ended = true;
          wake();
        });
      };
      const waitFor = (predicate: (text: string) => boolean, timeoutMs = 5000) =>
        new Promise<string>((done, fail) => {
          start();
          const check = () => {
            if (predicate(received)) finish(() => done(received));
            else if (ended) finish(() => fail(new Error(`the response ended first; got ${JSON.stringify(received.slice(-300))}`)));
          };
          const timer = setTimeout(() => finish(() => fail(new Error(`timed out; got ${JSON.stringify(received.slice(-300))}`))), timeoutMs);
          const finish = (then: () => void) => {
            clearTimeout(timer);
            waiters.delete(check);
            then();
          };
          waiters.add(check);
          check();
        });
      resolve({
        response,
        text: () => received,
        waitFor,
        readAll: async (timeoutMs = 10_000) => {
          start();
          await new Promise<void>((done, fail) => {
            if (ended) return done();
            const timer = setTimeout(() => fail(new Error('timed out reading to the end')), timeoutMs);
            response.once('end', () => (clearTimeout(timer), done()));
            response.once('close', () => (clearTimeout(timer), done()));
          });
          return received;
        },
        destroy: () => {
          req.destroy();
          response.destroy();
        },
      });
    });
    req.end(JSON.stringify(body));
  });
}

/** Resolves with whether `promise` settled within `ms`. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = promise.then(
    () => true as const,
    () => true as const,
  );
  const result = await Promise.race([settled, timeout]);
  clearTimeout(timer);
  return result;
}

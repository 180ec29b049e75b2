// Requests waiting for a key slot, served strictly in arrival order: whenever a slot frees, the waiters are
// offered it one after another, synchronously, oldest first, so a later arrival never overtakes an earlier one.
import { ClientGoneError, ProxyError } from '../errors.ts';

interface Waiter<T> {
  /** Takes what it needs if it is free now (null: keep waiting). */
  take(): T | null;
  resolve(value: T): void;
  reject(error: Error): void;
}

export class WaitQueue<T> {
  private readonly waiters: Waiter<T>[] = [];

  get length(): number {
    return this.waiters.length;
  }

  /**
   * Waits behind everyone already waiting until `take` succeeds, at most `maxWaitMs`; rejects when the queue
   * already holds `maxLength` waiters, when the time is up, or when `signal` aborts (with its reason).
   */
  wait(take: () => T | null, options: { maxWaitMs: number; maxLength: number; signal?: AbortSignal; what: string }): Promise<T> {
    if (this.waiters.length >= options.maxLength) {
      return Promise.reject(new ProxyError('upstream_busy', `${options.what} are all busy and ${options.maxLength} requests already wait for them; retry shortly`, { headers: { 'retry-after': '1' } }));
    }
    return new Promise<T>((resolve, reject) => {
      const { signal } = options;
      const leave = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const at = this.waiters.indexOf(waiter);
        if (at !== -1) this.waiters.splice(at, 1);
      };
      const waiter: Waiter<T> = {
        take,
        resolve: (value) => (leave(), resolve(value)),
        reject: (error) => (leave(), reject(error)),
      };
      const timer = setTimeout(() => {
        const seconds = Math.max(1, Math.ceil(options.maxWaitMs / 1000));
        waiter.reject(new ProxyError('upstream_busy', `${options.what} stayed busy for ${options.maxWaitMs} ms; retry shortly`, { headers: { 'retry-after': String(seconds) } }));
      }, options.maxWaitMs);
      const onAbort = () => waiter.reject((signal?.reason as Error | undefined) ?? new ClientGoneError());
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Something was freed: offers it to the waiters, oldest first. */
  offer(): void {
    for (const waiter of [...this.waiters]) {
      const taken = waiter.take();
      if (taken !== null) waiter.resolve(taken);
    }
  }
}

// The upstream targets the service can call, each with its own client (connection pool, timeouts, slots), and
// which of them a request for a model may go to. Filled from the configuration; tests build it from a list.
import { UpstreamClient, type UpstreamClientOptions } from './client.ts';
import type { UpstreamTarget } from './target.ts';

export class UpstreamDirectory {
  private readonly clients: ReadonlyMap<string, UpstreamClient>;

  constructor(targets: readonly UpstreamTarget[], options: UpstreamClientOptions = {}) {
    if (targets.length === 0) throw new Error('an upstream directory needs at least one target');
    const clients = new Map<string, UpstreamClient>();
    for (const target of targets) {
      if (clients.has(target.name)) throw new Error(`two upstream targets are named ${JSON.stringify(target.name)}`);
      clients.set(target.name, new UpstreamClient(target, options));
    }
    this.clients = clients;
  }

  /** Every target's client, in configuration order. */
  get all(): UpstreamClient[] {
    return [...this.clients.values()];
  }

  /** The named target's client, or undefined. */
  client(name: string): UpstreamClient | undefined {
    return this.clients.get(name);
  }

  /**
   * The clients a request for `model` may go to, in the order to try them. With one target (the
   * environment-only configuration) that is the one target for every model.
   */
  candidatesFor(_model: string): UpstreamClient[] {
    return [this.clients.values().next().value as UpstreamClient];
  }

  /** Upstream requests in flight over every target (for metrics and tests). */
  get inFlight(): number {
    let total = 0;
    for (const client of this.clients.values()) total += client.inFlight;
    return total;
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((client) => client.close()));
  }
}

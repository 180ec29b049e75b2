// The upstream targets the service can call, each with its own client (connection pool, timeouts, slots), and
// which of them a request for a model may go to. Filled from the routing table (configuration); replaced
// whole by reload() without disturbing the calls in flight.
import { UpstreamClient, type UpstreamClientOptions } from './client.ts';
import type { RoutingTable } from '../routing.ts';

export class UpstreamDirectory {
  private clients: ReadonlyMap<string, UpstreamClient>;
  private table: RoutingTable;
  private readonly options: UpstreamClientOptions;

  constructor(table: RoutingTable, options: UpstreamClientOptions = {}) {
    this.options = options;
    this.table = table;
    this.clients = clientsFor(table, options);
  }

  /**
   * Serves a new routing table from the next call on. Calls in flight keep the clients they hold; the old
   * clients close once their requests are over (undici's close waits for them).
   */
  reload(table: RoutingTable): void {
    const clients = clientsFor(table, this.options);
    const old = this.clients;
    this.clients = clients;
    this.table = table;
    for (const client of old.values()) void client.close().catch(() => undefined);
  }

  /** The routing table in force. */
  get routing(): RoutingTable {
    return this.table;
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

function clientsFor(table: RoutingTable, options: UpstreamClientOptions): Map<string, UpstreamClient> {
  if (table.targets.length === 0) throw new Error('an upstream directory needs at least one target');
  const clients = new Map<string, UpstreamClient>();
  for (const target of table.targets) {
    if (clients.has(target.name)) throw new Error(`two upstream targets are named ${JSON.stringify(target.name)}`);
    clients.set(target.name, new UpstreamClient(target, options));
  }
  return clients;
}

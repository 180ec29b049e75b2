// The upstream targets the service can call, each with its own client (connection pool, timeouts, slots) and
// its key slots, and the routing between them: which targets serve a model (its routes, by priority, sharing
// load by weight), which key a request takes (affinity first, then any free one), and the wait queue when every
// key is at its maximum in flight. Filled from the routing table; replaced whole by reload() without
// disturbing the calls in flight.
import type { ModelRoute, PromptCacheOverride, RoutingTable, UpstreamTarget } from '../routing.ts';
import { UpstreamClient, type UpstreamClientOptions } from './client.ts';
import { KeySlot } from './key-slot.ts';
import { affinityHash, rendezvousScore } from './rendezvous.ts';
import { WaitQueue } from './wait-queue.ts';

/** One target that may serve a request, with the model id it knows the model by and its keys in preference order. */
export interface Candidate {
  client: UpstreamClient;
  /** The upstream model id. */
  model: string;
  /** The route's capability overrides for that model. */
  capabilities?: Readonly<Record<string, unknown>>;
  /** The route's prompt-cache settings for that model. */
  promptCache?: PromptCacheOverride;
  slots: KeySlot[];
}

/** A key slot held for one upstream attempt; release() once its answer is over. */
export interface Lease {
  client: UpstreamClient;
  slot: KeySlot;
  model: string;
  capabilities?: Readonly<Record<string, unknown>>;
  promptCache?: PromptCacheOverride;
  /**
   * The target speaks the dialect of the conversation's home (its first candidate): thinking signatures in the
   * history were issued there, so they may be sent.
   */
  home: boolean;
  /** Time it waited in the queue for a free key (0 when one was free). */
  waitedMs: number;
  release(): void;
}

interface Served {
  clients: ReadonlyMap<string, UpstreamClient>;
  slots: ReadonlyMap<string, KeySlot[]>;
  table: RoutingTable;
}

export class UpstreamDirectory {
  private served: Served;
  private readonly options: UpstreamClientOptions;
  private readonly queue = new WaitQueue<Lease>();
  private readonly now: () => number;

  constructor(table: RoutingTable, options: UpstreamClientOptions & { now?: () => number } = {}) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.served = serve(table, options);
  }

  /**
   * Serves a new routing table from the next call on. Calls in flight keep the clients and slots they hold;
   * the old clients close once their requests are over (undici's close waits for them).
   */
  reload(table: RoutingTable): void {
    const old = this.served;
    this.served = serve(table, this.options);
    for (const client of old.clients.values()) void client.close().catch(() => undefined);
    // Waiters re-plan against the new table at their next offer.
    this.queue.offer();
  }

  /** The routing table in force. */
  get routing(): RoutingTable {
    return this.served.table;
  }

  /** Every target's client, in configuration order. */
  get all(): UpstreamClient[] {
    return [...this.served.clients.values()];
  }

  /** The named target's client, or undefined. */
  client(name: string): UpstreamClient | undefined {
    return this.served.clients.get(name);
  }

  /** Every key slot, by target name (for /readyz and the metrics). */
  get slots(): ReadonlyMap<string, readonly KeySlot[]> {
    return this.served.slots;
  }

  /** Requests waiting for a key slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * The targets that may serve `model` (a public name; one not in the table goes to the first target under its
   * own name), in the order to try them: by priority, then by weighted rendezvous on the affinity key, so that
   * a conversation keeps its target and key while they are healthy; keys likewise.
   */
  candidatesFor(model: string, affinity = ''): Candidate[] {
    const { table, clients, slots } = this.served;
    const routes: readonly ModelRoute[] = table.models[model] ?? [{ upstream: table.targets[0]!.name, model, priority: 0, weight: 1 }];
    const keyHash = affinityHash(affinity);
    const ordered = routes
      .map((route) => ({ route, score: rendezvousScore(keyHash, route.upstream, route.weight) }))
      .sort((a, b) => a.route.priority - b.route.priority || a.score - b.score);
    const candidates: Candidate[] = [];
    for (const { route } of ordered) {
      const client = clients.get(route.upstream);
      if (!client) continue;
      const keys = slots.get(route.upstream)!;
      const preferred = keys.length === 1 ? keys : [...keys].sort((a, b) => rendezvousScore(keyHash, a.name ?? '', 1) - rendezvousScore(keyHash, b.name ?? '', 1));
      candidates.push({ client, model: route.model, capabilities: route.capabilities, promptCache: route.promptCache, slots: preferred });
    }
    return candidates;
  }

  /**
   * A key slot for the next attempt: a healthy free key in candidate order; while healthy keys are only busy
   * (at their maximum in flight), a place in the wait queue; else a cooling key, the one back soonest. Null
   * when every slot of the candidates was tried.
   */
  async acquire(candidates: readonly Candidate[], tried: ReadonlySet<KeySlot>, signal?: AbortSignal): Promise<Lease | null> {
    const first = this.pick(candidates, tried);
    if (first !== 'wait') return first;
    const target = candidates[0]!.client.target;
    const since = this.now();
    const lease = await this.queue.wait(() => {
      const picked = this.pick(candidates, tried);
      // A reload that removed every candidate ends the wait like an exhausted plan.
      return picked === 'wait' ? null : picked;
    }, { ...target.queue, signal, what: `The upstream keys for model ${JSON.stringify(candidates[0]!.model)}` });
    lease.waitedMs = this.now() - since;
    return lease;
  }

  private pick(candidates: readonly Candidate[], tried: ReadonlySet<KeySlot>): Lease | null | 'wait' {
    const now = this.now();
    let busy = false;
    for (const candidate of candidates) {
      for (const slot of candidate.slots) {
        if (tried.has(slot) || slot.coolingAt(now)) continue;
        if (slot.free) return this.lease(candidates, candidate, slot);
        busy = true;
      }
    }
    if (busy) return 'wait';
    let best: { candidate: Candidate; slot: KeySlot } | null = null;
    let cooling = false;
    for (const candidate of candidates) {
      for (const slot of candidate.slots) {
        if (tried.has(slot)) continue;
        cooling = true;
        if (slot.free && (best === null || slot.coolUntil < best.slot.coolUntil)) best = { candidate, slot };
      }
    }
    if (best !== null) return this.lease(candidates, best.candidate, best.slot);
    return cooling ? 'wait' : null;
  }

  private lease(candidates: readonly Candidate[], candidate: Candidate, slot: KeySlot): Lease {
    slot.inFlight++;
    let released = false;
    return {
      client: candidate.client,
      slot,
      model: candidate.model,
      capabilities: candidate.capabilities,
      promptCache: candidate.promptCache,
      home: sameDialect(candidates[0]!.client.target, candidate.client.target),
      waitedMs: 0,
      release: () => {
        if (released) return;
        released = true;
        slot.inFlight--;
        this.queue.offer();
      },
    };
  }

  /** Upstream requests in flight over every target (for metrics and tests). */
  get inFlight(): number {
    let total = 0;
    for (const client of this.served.clients.values()) total += client.inFlight;
    return total;
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((client) => client.close()));
  }
}

/** Thinking signed by one target is accepted by another of the same named provider (not by a generic one). */
function sameDialect(home: UpstreamTarget, other: UpstreamTarget): boolean {
  return home.name === other.name || (home.profile === other.profile && home.profile !== 'generic');
}

function serve(table: RoutingTable, options: UpstreamClientOptions): Served {
  if (table.targets.length === 0) throw new Error('an upstream directory needs at least one target');
  const clients = new Map<string, UpstreamClient>();
  const slots = new Map<string, KeySlot[]>();
  for (const target of table.targets) {
    if (clients.has(target.name)) throw new Error(`two upstream targets are named ${JSON.stringify(target.name)}`);
    clients.set(target.name, new UpstreamClient(target, options));
    // Forwarding the client's key, the target has one keyless slot; else one per key.
    slots.set(target.name, target.keys.length === 0 || target.forwardClientKey ? [new KeySlot(target, null)] : target.keys.map((key) => new KeySlot(target, key)));
  }
  return { clients, slots, table };
}

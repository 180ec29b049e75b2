// Unloaded latency, one request at a time over one keep-alive connection: time to the first body byte (for a
// stream: the first event reaching the client), to the first token (a stream's first text delta, in the
// route's own format) and to the end of the answer. Direct and proxied runs use the same client, so its own
// cost cancels out of the difference.
import { Agent, request as httpRequest } from 'node:http';

export interface LatencySpec {
  url: string;
  body: string;
  headers: Record<string, string>;
  requests: number;
  warmup: number;
  /** The warm-up stops after this long even if fewer than `warmup` requests were made (a slow server). */
  warmupMaxMs?: number;
  /** Matches the body text once its first token has arrived (streams); TTFT is not measured without it. */
  firstToken?: RegExp;
}

export interface LatencyResult {
  ttfbP50Ms: number;
  ttfbP99Ms: number;
  /** NaN when not measured (whole answers). */
  ttftP50Ms: number;
  ttftP99Ms: number;
  totalP50Ms: number;
  totalP99Ms: number;
  non2xx: number;
  /** The last answer's body, for a sanity check of what came back. */
  lastBody: string;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

interface Timing {
  status: number;
  ttfbMs: number;
  ttftMs: number;
  totalMs: number;
  body: string;
}

function once(url: URL, agent: Agent, body: Buffer, headers: Record<string, string>, keepBody: boolean, firstToken?: RegExp): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    let ttfb = 0;
    let ttft = Number.NaN;
    let text = '';
    // Until the first token: the text so far (a token can straddle two chunks).
    let head = '';
    const req = httpRequest(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      res.on('data', (chunk: Buffer) => {
        if (ttfb === 0) ttfb = Number(process.hrtime.bigint() - started) / 1e6;
        if (firstToken && Number.isNaN(ttft)) {
          head += chunk.toString();
          if (firstToken.test(head)) ttft = Number(process.hrtime.bigint() - started) / 1e6;
        }
        if (keepBody) text += chunk.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ttfbMs: ttfb, ttftMs: ttft, totalMs: Number(process.hrtime.bigint() - started) / 1e6, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function measureLatency(spec: LatencySpec): Promise<LatencyResult> {
  const url = new URL(spec.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const body = Buffer.from(spec.body);
  const ttfbs: number[] = [];
  const ttfts: number[] = [];
  const totals: number[] = [];
  let non2xx = 0;
  let lastBody = '';
  try {
    const warmupUntil = Date.now() + (spec.warmupMaxMs ?? 5000);
    for (let i = 0; i < spec.warmup + spec.requests; i++) {
      if (i < spec.warmup && Date.now() > warmupUntil) i = spec.warmup;
      const last = i === spec.warmup + spec.requests - 1;
      const timing = await once(url, agent, body, spec.headers, last, spec.firstToken);
      if (last) lastBody = timing.body;
      if (i < spec.warmup) continue;
      if (timing.status < 200 || timing.status >= 300) non2xx++;
      ttfbs.push(timing.ttfbMs);
      if (!Number.isNaN(timing.ttftMs)) ttfts.push(timing.ttftMs);
      totals.push(timing.totalMs);
    }
  } finally {
    agent.destroy();
  }
  ttfbs.sort((a, b) => a - b);
  ttfts.sort((a, b) => a - b);
  totals.sort((a, b) => a - b);
  return {
    ttfbP50Ms: percentile(ttfbs, 50),
    ttfbP99Ms: percentile(ttfbs, 99),
    ttftP50Ms: percentile(ttfts, 50),
    ttftP99Ms: percentile(ttfts, 99),
    totalP50Ms: percentile(totals, 50),
    totalP99Ms: percentile(totals, 99),
    non2xx,
    lastBody,
  };
}

/** One request, for probing whether a route exists and what it answers. */
export async function probe(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const agent = new Agent({ keepAlive: false });
  try {
    const timing = await once(new URL(url), agent, Buffer.from(body), headers, true);
    return { status: timing.status, body: timing.body };
  } finally {
    agent.destroy();
  }
}

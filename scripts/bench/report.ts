// Turns measurements into issue 17's targets and tables: a terminal rendering (highlighted) and the same as
// Markdown for docs/performance.md. Every number that is a ratio compares two columns measured in the same run (and,
// with --rounds, the same round; the tables show the median over rounds).
import type { LoadResult } from './load.ts';
import type { LatencyResult } from './latency.ts';
import type { Column, Kind } from './scenarios.ts';

/** One measured load run of one cell. */
export interface LoadRun {
  result: LoadResult;
  /** CPU time per request of the server measured (the mock for the direct column), from /proc. */
  cpuUsPerRequest: number;
  mockCpuUsPerRequest: number;
  /** Per thread name, for this service and the bare relay. */
  threads?: Record<string, { us: number; systemUs: number }>;
  /** Filled in once the round's direct and bare runs are known. */
  ratio?: number;
  p50AddedMs?: number;
  cpuVsBare?: number;
}

export interface LoadRow {
  id: string;
  column: Column;
  kind: Kind;
  /** '' for the default answer, else `10 KB`, `500 events`. */
  size: string;
  label: string;
  connections: number;
  runs: LoadRun[];
  unavailable?: string;
  // Medians over the runs:
  requestsPerS: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  errors: number;
  non2xx: number;
  ratio: number | null;
  p50AddedMs: number | null;
  cpuUsPerRequest: number | null;
  cpuVsBare: number | null;
}

export interface LatencyRow {
  id: string;
  column: Column;
  kind: Kind;
  label: string;
  result: LatencyResult | null;
  unavailable?: string;
  ttfbAddedMs: number | null;
  ttftAddedMs: number | null;
  totalAddedMs: number | null;
}

export interface MemoryRow {
  server: string;
  columns: Column[];
  idleRssMb: number;
  /** VmHWM right after the main loads (the last of which is the 100-connection streaming run). */
  peakRssMb: number;
  rssAfterLoadMb: number;
}

export interface GrowthPoint {
  x: number;
  size: string;
  cpuUsPerRequest: number | null;
  requestsPerS: number | null;
}

export interface GrowthRow {
  column: Column;
  kind: Kind;
  label: string;
  /** 'KB' or 'event'. */
  unit: string;
  points: GrowthPoint[];
  /** Least-squares line through the points: µs = intercept + slope * x. */
  slope: number | null;
  intercept: number | null;
  r2: number | null;
  /** The middle point against the line through the outer two: linear growth puts it on that line. */
  middleMeasured: number | null;
  middleOnLine: number | null;
  linear: boolean | null;
  slopeVsBare: number | null;
}

export interface LogCostRow {
  scenario: string;
  connections: number;
  info: LoadResult;
  warn: LoadResult;
  infoCpuUsPerRequest: number;
  warnCpuUsPerRequest: number;
}

export interface Target {
  name: string;
  value: number | null;
  limit: number;
  /** 'x' for ratios. */
  unit: string;
  /** 'min': value >= limit; 'max': value <= limit. */
  kind: 'min' | 'max';
  met: boolean | null;
}

export interface Report {
  startedAt: string;
  machine: Record<string, string | number>;
  settings: Record<string, string | number | boolean>;
  skipped: Record<string, string>;
  loads: LoadRow[];
  latency: LatencyRow[];
  memory: MemoryRow[];
  /** The service's VmHWM at the very end (after the cost-growth runs too). */
  servicePeakAtEndMb: number | null;
  growth: GrowthRow[];
  logCost: LogCostRow[];
  streamTranslator: unknown;
  targets: Target[];
}

export function median(values: number[]): number | null {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (finite.length === 0) return null;
  const mid = Math.floor(finite.length / 2);
  return finite.length % 2 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}

/** The medians of a row's runs (call after the per-run ratios are set). */
export function summarize(row: LoadRow): void {
  const of = (pick: (run: LoadRun) => number | undefined) => median(row.runs.map(pick).filter((value): value is number => value !== undefined));
  row.requestsPerS = of((run) => run.result.requestsPerS);
  row.p50Ms = of((run) => run.result.p50Ms);
  row.p99Ms = of((run) => run.result.p99Ms);
  row.errors = row.runs.reduce((sum, run) => sum + run.result.errors, 0);
  row.non2xx = row.runs.reduce((sum, run) => sum + run.result.non2xx, 0);
  row.ratio = of((run) => run.ratio);
  row.p50AddedMs = of((run) => run.p50AddedMs);
  row.cpuUsPerRequest = of((run) => run.cpuUsPerRequest);
  row.cpuVsBare = of((run) => run.cpuVsBare);
}

/** Least squares, and the middle point against the line through the outer two. */
export function fitGrowth(points: GrowthPoint[]): Pick<GrowthRow, 'slope' | 'intercept' | 'r2' | 'middleMeasured' | 'middleOnLine' | 'linear'> {
  const known = points.filter((point): point is GrowthPoint & { cpuUsPerRequest: number } => point.cpuUsPerRequest !== null);
  const none = { slope: null, intercept: null, r2: null, middleMeasured: null, middleOnLine: null, linear: null };
  if (known.length < 2) return none;
  const n = known.length;
  const mx = known.reduce((sum, p) => sum + p.x, 0) / n;
  const my = known.reduce((sum, p) => sum + p.cpuUsPerRequest, 0) / n;
  const sxx = known.reduce((sum, p) => sum + (p.x - mx) ** 2, 0);
  const sxy = known.reduce((sum, p) => sum + (p.x - mx) * (p.cpuUsPerRequest - my), 0);
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const ssTot = known.reduce((sum, p) => sum + (p.cpuUsPerRequest - my) ** 2, 0);
  const ssRes = known.reduce((sum, p) => sum + (p.cpuUsPerRequest - (intercept + slope * p.x)) ** 2, 0);
  const r2 = ssTot === 0 ? 1 : 1 - ssRes / ssTot;
  if (known.length !== 3) return { ...none, slope, intercept, r2 };
  const [a, b, c] = known;
  const onLine = a.cpuUsPerRequest + ((c.cpuUsPerRequest - a.cpuUsPerRequest) * (b.x - a.x)) / (c.x - a.x);
  // Superlinear growth puts the middle point well below that line, sublinear (a fixed cost that shrinks
  // per unit) well above it; within 15% (or 15 µs, the noise here) the growth is called linear.
  const linear = Math.abs(b.cpuUsPerRequest - onLine) <= Math.max(15, 0.15 * b.cpuUsPerRequest);
  return { slope, intercept, r2, middleMeasured: b.cpuUsPerRequest, middleOnLine: onLine, linear };
}

function target(name: string, value: number | null, kind: 'min' | 'max', limit: number, unit: string): Target {
  const met = value === null || Number.isNaN(value) ? null : kind === 'min' ? value >= limit : value <= limit;
  return { name, value, limit, unit, kind, met };
}

/** The targets of issue 17, at 10 connections where load matters. */
export function evaluateTargets(report: Pick<Report, 'loads' | 'latency' | 'memory' | 'growth'>): Target[] {
  const load = (column: Column, kind: Kind) => report.loads.find((row) => row.column === column && row.kind === kind && row.size === '' && row.connections === 10);
  const latency = (column: Column, kind: Kind) => report.latency.find((row) => row.column === column && row.kind === kind);
  const growth = (column: Column, kind: Kind) => report.growth.find((row) => row.column === column && row.kind === kind);
  const service = report.memory.find((row) => row.columns.includes('chat') || row.columns.includes('messages'));
  const ran100Streams = report.loads.some((row) => row.kind === 'sse' && row.size === '' && row.connections === 100 && row.runs.length > 0);
  const targets: Target[] = [
    target('CPU per translated JSON request vs the bare relay @10', load('chat', 'json')?.cpuVsBare ?? null, 'max', 1.25, 'x'),
    target('CPU per passthrough JSON request vs the bare relay @10', load('messages', 'json')?.cpuVsBare ?? null, 'max', 1.1, 'x'),
    target('CPU per translated stream (50 events) vs the bare relay @10', load('chat', 'sse')?.cpuVsBare ?? null, 'max', 1.25, 'x'),
    target('CPU per passthrough stream (50 events) vs the bare relay @10', load('messages', 'sse')?.cpuVsBare ?? null, 'max', 1.1, 'x'),
  ];
  if (report.growth.length > 0) {
    targets.push(target('CPU per added translated stream event vs the bare relay (growth fit)', growth('chat', 'sse')?.slopeVsBare ?? null, 'max', 1.25, 'x'));
    targets.push(target('CPU per added passthrough stream event vs the bare relay (growth fit)', growth('messages', 'sse')?.slopeVsBare ?? null, 'max', 1.1, 'x'));
  }
  targets.push(
    target('translated JSON req/s vs direct @10', load('chat', 'json')?.ratio ?? null, 'min', 0.35, 'x'),
    target('translated stream req/s vs direct @10', load('chat', 'sse')?.ratio ?? null, 'min', 0.45, 'x'),
    target('passthrough JSON req/s vs direct @10', load('messages', 'json')?.ratio ?? null, 'min', 0.4, 'x'),
    target('passthrough stream req/s vs direct @10', load('messages', 'sse')?.ratio ?? null, 'min', 0.45, 'x'),
    target('translated JSON p50 added @10', load('chat', 'json')?.p50AddedMs ?? null, 'max', 1, 'ms'),
    target('passthrough JSON p50 added @10', load('messages', 'json')?.p50AddedMs ?? null, 'max', 1, 'ms'),
    target('translated stream time to first token added (p50, unloaded)', latency('chat', 'sse')?.ttftAddedMs ?? null, 'max', 0.5, 'ms'),
    target('passthrough stream time to first token added (p50, unloaded)', latency('messages', 'sse')?.ttftAddedMs ?? null, 'max', 0.5, 'ms'),
    target('idle RSS', service?.idleRssMb ?? null, 'max', 80, 'MB'),
    // Only meaningful when that run happened (not with --connections=10).
    target('peak RSS after the 100-connection streaming run', ran100Streams ? (service?.peakRssMb ?? null) : null, 'max', 170, 'MB'),
  );
  const ours = report.loads.filter((row) => row.column === 'chat' || row.column === 'messages');
  const failures = ours.reduce((sum, row) => sum + row.errors + row.non2xx, 0)
    + report.latency.filter((row) => row.column === 'chat' || row.column === 'messages').reduce((sum, row) => sum + (row.result?.non2xx ?? 0), 0)
    + ours.filter((row) => row.unavailable?.startsWith('failed')).length;
  targets.push(target('errors + non-2xx of this service over all runs (+ failed scenarios)', failures, 'max', 0, 'count'));
  return targets;
}

// ---- rendering: each table is built once, then written as aligned text or as Markdown ----

interface Table {
  title: string;
  header: string[];
  /** Right-aligned columns (numbers). */
  right: boolean[];
  rows: string[][];
  notes?: string[];
}

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: string, text: string) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);

const fixed = (value: number | null | undefined, digits = 2) => (value === null || value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits));
const times = (value: number | null | undefined) => (value === null || value === undefined || Number.isNaN(value) ? '-' : `${value.toFixed(2)}×`);
const signed = (value: number | null | undefined, digits = 2) => (value === null || value === undefined || Number.isNaN(value) ? '-' : `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(digits)}`);
const whole = (value: number | null | undefined) => (value === null || value === undefined || Number.isNaN(value) ? '-' : String(Math.round(value)));
const strong = (text: string) => (text === '-' || text === '' ? text : `**${text}**`);
const bodyOf = (kind: Kind, size: string) => (kind === 'json' ? `JSON${size ? ` ${size}` : ''}` : `SSE, ${size || '50 events'}`);

function formatTargetValue(t: Target): string {
  if (t.value === null) return 'n/a';
  if (t.unit === 'x') return times(t.value);
  if (t.unit === 'count') return String(t.value);
  return `${t.value.toFixed(t.unit === 'MB' ? 1 : 2)} ${t.unit}`;
}

function formatLimit(t: Target): string {
  const symbol = t.kind === 'min' ? '≥' : '≤';
  if (t.unit === 'x') return `${symbol} ${t.limit.toFixed(2)}×`;
  return `${symbol} ${t.limit}${t.unit === 'count' ? '' : ` ${t.unit}`}`;
}

function loadTable(report: Report): Table {
  const rows = report.loads.filter((row) => row.size === '').map((row) => {
    const direct = row.column === 'direct';
    const route = row.column === 'chat' || row.column === 'portkey' ? '/v1/chat/completions' : '/v1/messages';
    if (row.requestsPerS === null) return [row.label, route, bodyOf(row.kind, row.size), String(row.connections), row.unavailable ?? 'not available', '', '', '', '', '', '', ''];
    return [
      row.label,
      route,
      bodyOf(row.kind, row.size),
      String(row.connections),
      whole(row.requestsPerS),
      strong(direct ? '1.00×' : times(row.ratio)),
      fixed(row.p50Ms),
      direct ? '' : signed(row.p50AddedMs),
      fixed(row.p99Ms),
      `${row.errors} / ${row.non2xx}`,
      `${whole(row.cpuUsPerRequest)}${direct ? ' (mock)' : ''}`,
      direct ? '' : strong(times(row.cpuVsBare)),
    ];
  });
  return {
    title: 'Load: requests/s and latency (wrk), ratios against the direct run and the bare relay of the same round',
    header: ['target', 'route', 'body', 'conns', 'req/s', 'vs direct', 'p50 ms', 'p50 added', 'p99 ms', 'errors / non-2xx', 'CPU µs/req', 'CPU vs bare'],
    right: [false, false, false, true, true, true, true, true, true, true, true, true],
    rows,
    notes: ['CPU µs/req: CPU time (user + system, from /proc) per request of the process measured: the mock in the direct rows, the proxy (only) in the others.'],
  };
}

function latencyTable(report: Report): Table {
  return {
    title: `Unloaded latency: one request at a time, keep-alive, after ${report.settings.latencyWarmup ?? 0} unmeasured requests (TTFB = first body byte, TTFT = first text token)`,
    header: ['target', 'body', 'TTFB p50', 'TTFB added', 'TTFT p50', 'TTFT added', 'total p50', 'total p99', 'total added'],
    right: [false, false, true, true, true, true, true, true, true],
    rows: report.latency.map((row) => {
      const r = row.result;
      const body = row.kind === 'json' ? 'JSON' : 'SSE';
      if (!r) return [row.label, body, row.unavailable ?? 'not available', '', '', '', '', '', ''];
      const direct = row.column === 'direct';
      return [
        row.label,
        body,
        fixed(r.ttfbP50Ms, 3),
        direct ? '' : strong(signed(row.ttfbAddedMs, 3)),
        row.kind === 'sse' ? fixed(r.ttftP50Ms, 3) : '',
        direct || row.kind === 'json' ? '' : strong(signed(row.ttftAddedMs, 3)),
        fixed(r.totalP50Ms, 3),
        fixed(r.totalP99Ms, 3),
        direct ? '' : strong(signed(row.totalAddedMs, 3)),
      ];
    }),
  };
}

function memoryTable(report: Report): Table {
  return {
    title: 'Memory (RSS from /proc): idle after start-up and one request per route; peak (VmHWM) after the main loads, whose last is the 100-connection streaming run',
    header: ['process', 'serves', 'idle RSS MB', 'peak RSS MB', 'RSS after the loads MB'],
    right: [false, false, true, true, true],
    rows: report.memory.map((row) => [row.server, row.columns.join(', '), fixed(row.idleRssMb, 1), fixed(row.peakRssMb, 1), fixed(row.rssAfterLoadMb, 1)]),
    notes: report.servicePeakAtEndMb === null ? [] : [`This service's peak at the very end (after the cost-growth runs too): ${report.servicePeakAtEndMb.toFixed(1)} MB.`],
  };
}

function growthTable(report: Report, kind: Kind): Table | null {
  const rows = report.growth.filter((row) => row.kind === kind);
  if (rows.length === 0) return null;
  const unit = kind === 'json' ? 'KB' : 'event';
  const sizes = rows[0].points.map((point) => point.size);
  return {
    title: kind === 'json'
      ? 'Cost growth, JSON answers: CPU µs per request at 10 connections against the answer size'
      : 'Cost growth, streams: CPU µs per request at 10 connections against the number of events',
    header: ['route', ...sizes, `µs per ${unit} (fit)`, 'fixed µs (fit)', 'R²', `${sizes[1] ?? 'middle'}: measured / on the line`, 'linear', `per ${unit} vs bare`],
    right: [false, ...sizes.map(() => true), true, true, true, true, false, true],
    rows: rows.map((row) => [
      `${row.label}${row.column === 'direct' ? ' (the mock)' : ''}`,
      ...row.points.map((point) => whole(point.cpuUsPerRequest)),
      strong(fixed(row.slope, kind === 'json' ? 2 : 2)),
      whole(row.intercept),
      fixed(row.r2, 3),
      row.middleMeasured === null ? '-' : `${whole(row.middleMeasured)} / ${whole(row.middleOnLine)}`,
      row.linear === null ? '-' : row.linear ? 'yes' : 'no',
      row.column === 'bare' || row.column === 'direct' ? '' : strong(times(row.slopeVsBare)),
    ]),
    notes: ['Linear: the middle point lies within 15% (or 15 µs) of the line through the outer two. The fit is least squares over the three points.'],
  };
}

function logCostTable(report: Report): Table | null {
  if (report.logCost.length === 0) return null;
  return {
    title: 'Cost of the info access line (the same load against a second service at LOG_LEVEL=warn)',
    header: ['scenario', 'conns', 'req/s info', 'req/s warn', 'info / warn', 'CPU µs/req info', 'CPU µs/req warn'],
    right: [false, true, true, true, true, true, true],
    rows: report.logCost.map((row) => [row.scenario, String(row.connections), whole(row.info.requestsPerS), whole(row.warn.requestsPerS), strong(times(row.info.requestsPerS / row.warn.requestsPerS)), whole(row.infoCpuUsPerRequest), whole(row.warnCpuUsPerRequest)]),
  };
}

function targetTable(report: Report): Table {
  return {
    title: 'Targets (issue 17)',
    header: ['target', 'measured', 'limit', 'verdict'],
    right: [false, true, true, false],
    rows: report.targets.map((t) => [t.name, strong(formatTargetValue(t)), formatLimit(t), t.met === null ? 'n/a' : t.met ? 'met' : '**not met**']),
  };
}

function tables(report: Report): Table[] {
  return [loadTable(report), latencyTable(report), memoryTable(report), growthTable(report, 'json'), growthTable(report, 'sse'), logCostTable(report), targetTable(report)].filter((table): table is Table => table !== null);
}

function textCell(cell: string): { raw: string; painted: string } {
  const raw = cell.replace(/\*\*/g, '');
  let painted = cell.replace(/\*\*(.*?)\*\*/g, (_match, inner: string) => paint('1', inner));
  if (raw === 'not met') painted = paint('31;1', raw);
  else if (raw === 'met') painted = paint('32;1', raw);
  return { raw, painted };
}

function renderText(table: Table): string {
  const cells = [table.header, ...table.rows].map((row) => row.map(textCell));
  const widths = table.header.map((_title, i) => Math.max(...cells.map((row) => row[i]?.raw.length ?? 0)));
  const line = (row: Array<{ raw: string; painted: string }>) =>
    row.map((cell, i) => {
      const gap = ' '.repeat(Math.max(0, widths[i] - cell.raw.length));
      return table.right[i] ? gap + cell.painted : cell.painted + gap;
    }).join('  ').trimEnd();
  const out = [paint('1', table.title), line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)];
  for (const note of table.notes ?? []) out.push(note);
  return out.join('\n');
}

function renderMarkdown(table: Table): string {
  const out = [`**${table.title}**`, '', `| ${table.header.join(' | ')} |`, `|${table.right.map((right) => (right ? '---:' : '---')).join('|')}|`];
  for (const row of table.rows) out.push(`| ${row.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`);
  for (const note of table.notes ?? []) out.push('', note);
  return out.join('\n');
}

function heading(report: Report): string[] {
  const lines = [Object.entries(report.machine).map(([k, v]) => `${k}: ${v}`).join(' | '), Object.entries(report.settings).map(([k, v]) => `${k}: ${v}`).join(' | ')];
  for (const [what, why] of Object.entries(report.skipped)) lines.push(`skipped ${what}: ${why}`);
  return lines;
}

export function formatText(report: Report): string {
  const out = [paint('1', `anthropic-proxy benchmark  ${report.startedAt}`), ...heading(report)];
  for (const table of tables(report)) out.push('', renderText(table));
  const translator = report.streamTranslator as { lines?: string[] } | null;
  if (translator?.lines) out.push('', paint('1', 'Stream translator micro-benchmark'), ...translator.lines);
  return out.join('\n');
}

export function formatMarkdown(report: Report): string {
  const out = heading(report).map((line) => `${line}  `);
  for (const table of tables(report)) out.push('', renderMarkdown(table));
  return out.join('\n');
}

// Turns measurements into the verdicts of issue 9's targets, a terminal table (ratios highlighted) and the
// same as Markdown for the README.
import type { LoadResult } from './load.ts';
import type { LatencyResult } from './latency.ts';
import type { ScenarioId } from './scenarios.ts';

export interface LoadRow {
  scenario: ScenarioId;
  label: string;
  stream: boolean;
  connections: number;
  /** null when the service has no such route yet (404) or the probe failed. */
  result: LoadResult | null;
  unavailable?: string;
  /** requests/s as a fraction of the direct baseline's. */
  ratio: number | null;
  p50AddedMs: number | null;
  /** CPU time the service spent per request during the measured run (robust to a busy machine). */
  serviceCpuUsPerRequest: number | null;
  /** The same for the mock upstream: what the direct baseline costs the machine. */
  mockCpuUsPerRequest: number | null;
}

export interface LatencyRow {
  scenario: ScenarioId;
  label: string;
  stream: boolean;
  result: LatencyResult | null;
  unavailable?: string;
  ttfbAddedMs: number | null;
  totalAddedMs: number | null;
}

export interface LogCostRow {
  scenario: ScenarioId;
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
  unit: string;
  /** 'min': value >= limit; 'max': value <= limit. */
  kind: 'min' | 'max';
  met: boolean | null;
  note?: string;
}

export interface Report {
  startedAt: string;
  machine: Record<string, string | number>;
  settings: Record<string, string | number | boolean>;
  loads: LoadRow[];
  latency: LatencyRow[];
  memory: { idleRssMb: number; peakRssMb: number; rssAfterLoadMb: number };
  logCost: LogCostRow[];
  streamTranslator: unknown;
  targets: Target[];
}

function target(name: string, value: number | null, kind: 'min' | 'max', limit: number, unit: string, note?: string): Target {
  const met = value === null || Number.isNaN(value) ? null : kind === 'min' ? value >= limit : value <= limit;
  return { name, value, limit, unit, kind, met, ...(note ? { note } : {}) };
}

export function evaluateTargets(loads: LoadRow[], latency: LatencyRow[], memory: Report['memory']): Target[] {
  const load = (id: ScenarioId, connections: number) => loads.find((row) => row.scenario === id && row.connections === connections);
  const ratio = (id: ScenarioId, connections: number) => load(id, connections)?.ratio ?? null;
  const targets: Target[] = [
    target('translated non-streaming req/s vs direct @10', ratio('chat-json', 10), 'min', 0.4, 'ratio'),
    target('translated non-streaming p50 added @10', load('chat-json', 10)?.p50AddedMs ?? null, 'max', 1.5, 'ms'),
  ];
  for (const connections of [10, 100]) {
    if (load('chat-sse', connections)) targets.push(target(`translated streaming req/s vs direct @${connections}`, ratio('chat-sse', connections), 'min', 0.35, 'ratio'));
  }
  targets.push(target('translated streaming TTFB added (p50, unloaded)', latency.find((row) => row.scenario === 'chat-sse')?.ttfbAddedMs ?? null, 'max', 1, 'ms'));
  for (const connections of [10, 100]) {
    if (load('messages-sse', connections)) targets.push(target(`passthrough streaming req/s vs direct @${connections}`, ratio('messages-sse', connections), 'min', 0.5, 'ratio'));
  }
  targets.push(target('idle RSS', memory.idleRssMb, 'max', 70, 'MB'));
  targets.push(target('peak RSS after 100-connection streaming', memory.peakRssMb, 'max', 150, 'MB'));
  const measured = loads.filter((row) => row.result);
  const failures = measured.reduce((sum, row) => sum + row.result!.errors + row.result!.non2xx, 0) + latency.reduce((sum, row) => sum + (row.result?.non2xx ?? 0), 0);
  const failedScenarios = loads.filter((row) => row.unavailable?.startsWith('failed')).length;
  targets.push(target('errors + non-2xx over all runs (+ failed scenarios)', failures + failedScenarios, 'max', 0, 'count'));
  return targets;
}

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: string, text: string) => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);
const bold = (text: string) => paint('1', text);
const green = (text: string) => paint('32;1', text);
const red = (text: string) => paint('31;1', text);

const fixed = (value: number | null | undefined, digits = 2) => (value === null || value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits));
const percent = (value: number | null) => (value === null ? '-' : `${Math.round(value * 100)}%`);
const signed = (value: number | null) => (value === null ? '-' : `${value >= 0 ? '+' : ''}${value.toFixed(2)}`);

function formatTargetValue(t: Target): string {
  if (t.value === null) return 'n/a';
  if (t.unit === 'ratio') return percent(t.value);
  if (t.unit === 'count') return String(t.value);
  return `${t.value.toFixed(t.unit === 'MB' ? 1 : 2)} ${t.unit}`;
}

function formatLimit(t: Target): string {
  const symbol = t.kind === 'min' ? '>=' : '<=';
  return t.unit === 'ratio' ? `${symbol} ${percent(t.limit)}` : `${symbol} ${t.limit}${t.unit === 'count' ? '' : ` ${t.unit}`}`;
}

function verdict(t: Target): string {
  if (t.met === null) return 'n/a';
  return t.met ? 'met' : 'NOT MET';
}

function pad(cells: string[], widths: number[], rawCells: string[]): string {
  return cells.map((cell, i) => cell + ' '.repeat(Math.max(0, widths[i] - rawCells[i].length))).join('  ');
}

/** A plain-text table whose highlighted cells keep their column widths. */
function table(header: string[], rows: Array<Array<{ text: string; style?: (text: string) => string }>>): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].text.length)));
  const lines = [pad(header.map(bold), widths, header), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of rows) lines.push(pad(row.map((cell) => (cell.style ? cell.style(cell.text) : cell.text)), widths, row.map((cell) => cell.text)));
  return lines.join('\n');
}

const ratioStyle = (ratio: number | null, stream: boolean, scenario: ScenarioId) => {
  if (ratio === null || scenario.startsWith('direct')) return undefined;
  const limit = scenario === 'chat-json' ? 0.4 : scenario === 'chat-sse' ? 0.35 : scenario === 'messages-sse' ? 0.5 : 0;
  return ratio >= limit ? green : red;
};

function cpuCell(row: LoadRow): string {
  const value = row.scenario.startsWith('direct') ? row.mockCpuUsPerRequest : row.serviceCpuUsPerRequest;
  return value === null ? '' : `${Math.round(value)}${row.scenario.startsWith('direct') ? ' (mock)' : ''}`;
}

export function formatText(report: Report): string {
  const out: string[] = [];
  out.push(bold(`anthropic-proxy benchmark  ${report.startedAt}`));
  out.push(Object.entries(report.machine).map(([k, v]) => `${k}: ${v}`).join(' | '));
  out.push(Object.entries(report.settings).map(([k, v]) => `${k}: ${v}`).join(' | '));
  out.push('');
  out.push(bold('Load (requests/s and latency under load; ratio = proxied / direct, same run)'));
  out.push(table(
    ['scenario', 'body', 'conns', 'req/s', 'ratio', 'p50 ms', 'p50 added', 'p99 ms', 'errors', 'non-2xx', 'CPU µs/req'],
    report.loads.map((row) => {
      const r = row.result;
      if (!r) return [{ text: row.label }, { text: row.stream ? 'SSE (50 events)' : 'JSON' }, { text: String(row.connections) }, { text: row.unavailable ?? 'not available' }, { text: '' }, { text: '' }, { text: '' }, { text: '' }, { text: '' }, { text: '' }, { text: '' }];
      return [
        { text: row.label },
        { text: row.stream ? 'SSE (50 events)' : 'JSON' },
        { text: String(row.connections) },
        { text: Math.round(r.requestsPerS).toString() },
        { text: row.scenario.startsWith('direct') ? '100%' : percent(row.ratio), style: ratioStyle(row.ratio, row.stream, row.scenario) ?? bold },
        { text: fixed(r.p50Ms) },
        { text: row.scenario.startsWith('direct') ? '' : signed(row.p50AddedMs) },
        { text: fixed(r.p99Ms) },
        { text: String(r.errors), style: r.errors ? red : undefined },
        { text: String(r.non2xx), style: r.non2xx ? red : undefined },
        { text: cpuCell(row) },
      ];
    }),
  ));
  out.push('CPU µs/req: CPU time per request of the mock (direct rows) or of the service (proxied rows), from /proc.');
  out.push('');
  out.push(bold(`Unloaded latency (one request at a time, keep-alive, after ${report.settings.latencyWarmup ?? 0} warm-up requests; TTFB = first body byte)`));
  out.push(table(
    ['scenario', 'body', 'TTFB p50', 'TTFB p99', 'TTFB added', 'total p50', 'total p99', 'total added'],
    report.latency.map((row) => {
      const r = row.result;
      if (!r) return [{ text: row.label }, { text: row.stream ? 'SSE' : 'JSON' }, { text: row.unavailable ?? 'not available' }, { text: '' }, { text: '' }, { text: '' }, { text: '' }, { text: '' }];
      return [
        { text: row.label },
        { text: row.stream ? 'SSE' : 'JSON' },
        { text: fixed(r.ttfbP50Ms, 3) },
        { text: fixed(r.ttfbP99Ms, 3) },
        { text: row.ttfbAddedMs === null ? '' : signed(row.ttfbAddedMs), style: bold },
        { text: fixed(r.totalP50Ms, 3) },
        { text: fixed(r.totalP99Ms, 3) },
        { text: row.totalAddedMs === null ? '' : signed(row.totalAddedMs), style: bold },
      ];
    }),
  ));
  out.push('');
  out.push(bold('Memory of the service') + `: idle RSS ${report.memory.idleRssMb.toFixed(1)} MB, peak RSS (VmHWM) ${report.memory.peakRssMb.toFixed(1)} MB, RSS after the loads ${report.memory.rssAfterLoadMb.toFixed(1)} MB`);
  if (report.logCost.length > 0) {
    out.push('');
    out.push(bold('Cost of the info access line (same load, LOG_LEVEL=info vs warn)'));
    out.push(table(
      ['scenario', 'conns', 'req/s info', 'req/s warn', 'info/warn', 'p50 info', 'p50 warn', 'CPU µs/req info', 'CPU µs/req warn'],
      report.logCost.map((row) => [
        { text: row.scenario },
        { text: String(row.connections) },
        { text: Math.round(row.info.requestsPerS).toString() },
        { text: Math.round(row.warn.requestsPerS).toString() },
        { text: percent(row.info.requestsPerS / row.warn.requestsPerS), style: bold },
        { text: fixed(row.info.p50Ms) },
        { text: fixed(row.warn.p50Ms) },
        { text: Math.round(row.infoCpuUsPerRequest).toString(), style: bold },
        { text: Math.round(row.warnCpuUsPerRequest).toString(), style: bold },
      ]),
    ));
  }
  const translator = report.streamTranslator as { lines?: string[] } | null;
  if (translator?.lines) {
    out.push('');
    out.push(bold('Stream translator micro-benchmark'));
    out.push(...translator.lines);
  }
  out.push('');
  out.push(bold('Targets (issue 9)'));
  out.push(table(
    ['target', 'measured', 'limit', 'verdict'],
    report.targets.map((t) => [
      { text: t.name },
      { text: formatTargetValue(t), style: bold },
      { text: formatLimit(t) },
      { text: verdict(t), style: t.met === null ? undefined : t.met ? green : red },
    ]),
  ));
  return out.join('\n');
}

export function formatMarkdown(report: Report): string {
  const out: string[] = [];
  out.push(`| scenario | body | conns | req/s | **ratio** | p50 ms | p50 added | p99 ms | errors / non-2xx | CPU µs/req |`);
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of report.loads) {
    const r = row.result;
    const body = row.stream ? 'SSE, 50 events' : 'JSON';
    if (!r) {
      out.push(`| ${row.label.replace(/\s+/g, ' ')} | ${body} | ${row.connections} | ${row.unavailable ?? 'not available'} | | | | | | |`);
      continue;
    }
    const direct = row.scenario.startsWith('direct');
    out.push(`| ${row.label.replace(/\s+/g, ' ')} | ${body} | ${row.connections} | ${Math.round(r.requestsPerS)} | **${direct ? '100%' : percent(row.ratio)}** | ${fixed(r.p50Ms)} | ${direct ? '' : signed(row.p50AddedMs)} | ${fixed(r.p99Ms)} | ${r.errors} / ${r.non2xx} | ${cpuCell(row)} |`);
  }
  out.push('');
  out.push('| unloaded, one at a time | TTFB p50 ms | TTFB p99 ms | **TTFB added** | total p50 ms | **total added** |');
  out.push('|---|---:|---:|---:|---:|---:|');
  for (const row of report.latency) {
    const r = row.result;
    const name = `${row.label.replace(/\s+/g, ' ')} (${row.stream ? 'SSE' : 'JSON'})`;
    if (!r) {
      out.push(`| ${name} | ${row.unavailable ?? 'not available'} | | | | |`);
      continue;
    }
    out.push(`| ${name} | ${fixed(r.ttfbP50Ms, 3)} | ${fixed(r.ttfbP99Ms, 3)} | ${row.ttfbAddedMs === null ? '' : `**${signed(row.ttfbAddedMs)}**`} | ${fixed(r.totalP50Ms, 3)} | ${row.totalAddedMs === null ? '' : `**${signed(row.totalAddedMs)}**`} |`);
  }
  out.push('');
  out.push('| target | measured | limit | verdict |');
  out.push('|---|---:|---:|---|');
  for (const t of report.targets) out.push(`| ${t.name} | **${formatTargetValue(t)}** | ${formatLimit(t)} | ${t.met === null ? 'n/a' : t.met ? 'met' : '**not met**'} |`);
  if (report.logCost.length > 0) {
    out.push('');
    out.push('| access line cost | conns | req/s at info | req/s at warn | info / warn | CPU µs/req info | CPU µs/req warn |');
    out.push('|---|---:|---:|---:|---:|---:|---:|');
    for (const row of report.logCost) out.push(`| ${row.scenario} | ${row.connections} | ${Math.round(row.info.requestsPerS)} | ${Math.round(row.warn.requestsPerS)} | **${percent(row.info.requestsPerS / row.warn.requestsPerS)}** | ${Math.round(row.infoCpuUsPerRequest)} | ${Math.round(row.warnCpuUsPerRequest)} |`);
  }
  return out.join('\n');
}

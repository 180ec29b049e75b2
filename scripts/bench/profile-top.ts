// Top frames of a V8 .cpuprofile (from `npm run bench -- --cpu-prof`): self time per function and inclusive
// time per function, so that a hot path can be named without opening a flame graph viewer.
//
// Usage: node scripts/bench/profile-top.ts <file.cpuprofile> [--top=N] [--filter=text]
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values: args, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' }, filter: { type: 'string' } } });
if (positionals.length !== 1) {
  process.stderr.write('usage: node scripts/bench/profile-top.ts <file.cpuprofile> [--top=N] [--filter=text]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(positionals[0], 'utf8')) as Profile;
const top = Number(args.top);

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url ? relative(process.cwd(), url.replace(/^file:\/\//, '')) : '';
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
}

const selfMs = new Map<string, number>();
const totalMs = new Map<string, number>();
let allMs = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const ms = (profile.timeDeltas[i] ?? 0) / 1000;
  allMs += ms;
  let node = byId.get(profile.samples[i]);
  if (!node) continue;
  const own = label(node);
  selfMs.set(own, (selfMs.get(own) ?? 0) + ms);
  const seen = new Set<string>();
  while (node) {
    const name = label(node);
    if (!seen.has(name)) {
      seen.add(name);
      totalMs.set(name, (totalMs.get(name) ?? 0) + ms);
    }
    const up = parent.get(node.id);
    node = up === undefined ? undefined : byId.get(up);
  }
}

function print(title: string, table: Map<string, number>): void {
  const rows = [...table].filter(([name]) => !args.filter || name.includes(args.filter)).sort((a, b) => b[1] - a[1]).slice(0, top);
  process.stdout.write(`\n${title} (of ${allMs.toFixed(0)} ms sampled)\n`);
  for (const [name, ms] of rows) process.stdout.write(`${((ms / allMs) * 100).toFixed(1).padStart(6)}%  ${ms.toFixed(0).padStart(7)} ms  ${name}\n`);
}

print('self time', selfMs);
print('inclusive time', totalMs);

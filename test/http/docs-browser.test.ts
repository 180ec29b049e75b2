// /docs drawn by a real browser (Debian's headless Chromium) from an address that is not loopback, as a user
// on another machine opens http://<host>:5000/docs: browsers exempt loopback from some rules (an
// `upgrade-insecure-requests` CSP among them), so only a non-loopback address shows what such a user sees.
// Where the test runs as root with iproute2, the browser runs in its own network namespace and reaches the
// service over a veth pair (nothing is reachable from outside the machine); otherwise the service listens on
// the machine's own non-loopback address for the few seconds the page takes.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';

// Bounded, with room for a machine busy with other test files: Chromium takes seconds to start there.
t.setTimeout(150_000);

const CHROMIUM = '/usr/bin/chromium';
// The flags that keep Chromium from reaching out on its own (updates, sync, field trials) and working
// without a GPU or a sandbox (the test may run as root in a container).
const CHROMIUM_FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

interface Vantage {
  /** The address the service listens on and the browser opens. */
  host: string;
  /** The executable the browser is launched as (a wrapper that enters the namespace, or Chromium itself). */
  executable: string;
  how: string;
  close(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe', timeout: 10_000 });
}

/** A network namespace for the browser, joined to this machine by a veth pair on a private /30. */
function namespaceVantage(dir: string): Vantage | null {
  if (process.getuid?.() !== 0 || spawnSync('ip', ['-V']).status !== 0) return null;
  const tag = `apd${process.pid % 100_000}`;
  const [namespace, hostSide, browserSide] = [`${tag}-ns`, `${tag}h`, `${tag}n`];
  const subnet = `10.253.${process.pid % 250}`;
  const close = () => {
    spawnSync('ip', ['netns', 'del', namespace], { stdio: 'ignore' });
    spawnSync('ip', ['link', 'del', hostSide], { stdio: 'ignore' });
  };
  try {
    ip('netns', 'add', namespace);
    ip('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', browserSide);
    ip('link', 'set', browserSide, 'netns', namespace);
    ip('addr', 'add', `${subnet}.1/30`, 'dev', hostSide);
    ip('link', 'set', hostSide, 'up');
    ip('netns', 'exec', namespace, 'ip', 'addr', 'add', `${subnet}.2/30`, 'dev', browserSide);
    ip('netns', 'exec', namespace, 'ip', 'link', 'set', browserSide, 'up');
    ip('netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up');
  } catch {
    close();
    return null;
  }
  const executable = join(dir, 'chromium-in-namespace');
  writeFileSync(executable, `#!/bin/sh\nexec ip netns exec ${namespace} ${CHROMIUM} "$@"\n`);
  chmodSync(executable, 0o755);
  return { host: `${subnet}.1`, executable, how: `network namespace ${namespace} over a veth pair`, close };
}

function ownAddressVantage(): Vantage | null {
  const address = Object.values(networkInterfaces()).flat().find((entry) => entry && entry.family === 'IPv4' && !entry.internal);
  return address ? { host: address.address, executable: CHROMIUM, how: 'the machine\'s own address', close: () => {} } : null;
}

const hasChromium = existsSync(CHROMIUM);
const skip = hasChromium || process.env.CI ? false : `${CHROMIUM} is not installed (Debian package chromium; .ci/run installs it)`;

t.test('Swagger UI draws every operation for a browser on a non-loopback address', { skip }, async (t) => {
  t.ok(hasChromium, `${CHROMIUM} is installed (CI must have it: .ci/run installs the Debian package chromium)`);
  if (!hasChromium) return;
  const dir = mkdtempSync(join(tmpdir(), 'proxy-docs-browser-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const vantage = namespaceVantage(dir) ?? ownAddressVantage();
  if (!vantage) throw new Error('no non-loopback address to serve /docs on');
  t.teardown(() => vantage.close());
  t.notMatch(vantage.host, /^127\./, `served on ${vantage.host} (${vantage.how})`);

  const { app } = await buildTestApp(t);
  await app.listen({ host: vantage.host, port: 0 });
  const base = `http://${vantage.host}:${(app.server.address() as AddressInfo).port}`;
  const documented = Object.keys((await app.inject({ method: 'GET', url: '/openapi.json' })).json().paths as object);
  t.ok(documented.includes('/v1/models/{id}') && documented.includes('/v1/chat/completions'), 'the document has the paths to look for');

  const browser: Browser = await chromium.launch({
    executablePath: vantage.executable,
    headless: true,
    args: CHROMIUM_FLAGS,
    timeout: 60_000,
  });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const failed: string[] = [];
  const violations: string[] = [];
  page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`));
  page.on('console', (message) => {
    // One <style> element Swagger UI injects at run time is refused by the policy's style-src (on loopback
    // too, a cosmetic loss the package's policy accepts); every other error counts.
    if (message.type() === 'error' && !/^Applying inline style violates .*'style-src /.test(message.text())) violations.push(message.text());
  });

  const answer = await page.goto(`${base}/docs/`, { waitUntil: 'load', timeout: 40_000 });
  t.equal(answer?.status(), 200);
  const drawn = await page
    .waitForSelector('.opblock-summary-path', { timeout: 40_000 })
    .then(() => page.$$eval('.opblock-summary-path', (nodes) => nodes.map((node) => node.getAttribute('data-path') ?? node.textContent ?? '')))
    .catch(() => [] as string[]);
  const assets = await page.evaluate(() => performance.getEntriesByType('resource').map((entry) => entry.name));

  t.same([...new Set(drawn)].sort(), [...documented].sort(), 'every documented path is drawn as an operation');
  t.same(failed, [], 'no request of the page failed');
  t.same(violations, [], 'no console errors (a refused asset or a CSP violation would show here)');
  t.ok(assets.length > 0 && assets.every((url) => url.startsWith(`${base}/`)), `every asset came from ${base} over plain http`);
});

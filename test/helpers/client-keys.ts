// Apps with client keys for tests: a configuration file written to a temporary folder, naming the keys.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppDeps } from '../../src/app.ts';
import { buildTestApp, type Teardown, type TestApp } from './app.ts';

export const ADMIN_KEY = 'admin-key-0123456789';

/** A temporary folder, removed after the test. */
export function tempDir(t: Teardown, prefix = 'client-keys-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An app whose configuration file holds `yaml` (client_keys and the rest) and the admin key. */
export async function appWithKeys(t: Teardown, yaml: string, env: Record<string, string> = {}, deps: AppDeps = {}): Promise<TestApp> {
  const dir = tempDir(t, 'client-keys-config-');
  const file = join(dir, 'anthropic-proxy.yaml');
  writeFileSync(file, `admin_key: "${ADMIN_KEY}"\n${yaml}`);
  return buildTestApp(t, { CONFIG_FILE: file, ...env }, deps);
}

/** A Messages request body. */
export const messageBody = (model: string, stream = false, text = 'hello') => ({ model, max_tokens: 16, stream, messages: [{ role: 'user', content: text }] });

/**
 * Waits, when needed, for a fresh 60 s window: rpm and tpm count in fixed windows (UTC minutes), so a run that
 * crossed a minute would start counting again halfway. `needMs` is how long the run may take.
 */
export async function freshMinute(needMs: number): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < needMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

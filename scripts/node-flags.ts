// The service's node flags and process environment, kept once in package.json ("config": {"node_flags"} and
// {"service_env"}) for every launcher: npm start reads them as $npm_package_config_node_flags and
// $npm_package_config_service_env, the image build writes the flags for its entrypoint and the Dockerfile sets
// the environment in both runtimes (checked against package.json by test/docker), the host scripts get them
// from scripts/settings.ts, and the bench and the soak start the service with them.
import { readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { config?: { node_flags?: string; service_env?: string } };

const words = (text: string | undefined): string[] => (text ?? '').split(/\s+/).filter((word) => word !== '');

export const SERVICE_NODE_FLAGS: readonly string[] = Object.freeze(words(manifest.config?.node_flags));

/** Variables the process needs before it starts (glibc's allocator reads MALLOC_ARENA_MAX at its first malloc). */
export const SERVICE_ENV: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(words(manifest.config?.service_env).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])),
);

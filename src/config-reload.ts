// Reloading the configuration file: on request (SIGHUP) and when the file changes. The folder is watched, not
// the file: editors save by writing a new file and renaming it over the old one, and a Kubernetes ConfigMap
// volume swaps a symlink (..data) to a new folder; neither changes the file a watch on it would follow.
// A good file replaces the routing in force (calls in flight keep what they hold); a bad one is refused,
// one log line per problem, and the routing in force stays.
import { watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from './config.ts';
import type { RoutingTable } from './routing.ts';

export interface ConfigReloadOptions {
  /** The configuration file (its folder is watched). */
  path: string;
  /** Reads and checks the file again; throws ConfigError with one line per problem. */
  read: () => { routing: RoutingTable };
  /** Puts a new routing in force. */
  apply: (routing: RoutingTable) => void;
  /** The routing in force now (read at start-up): a change that leaves it as it is applies nothing. */
  current: RoutingTable;
  log: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  /** Quiet time after the last change in the folder before the file is read (a save is several events). */
  debounceMs?: number;
}

export type ReloadOutcome = 'applied' | 'unchanged' | 'refused';

export class ConfigReloader {
  private readonly options: ConfigReloadOptions;
  private current: string;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(options: ConfigReloadOptions) {
    this.options = options;
    this.current = JSON.stringify(options.current);
  }

  /** Reads the file now and applies it when it is good and different from the routing in force. */
  reload(reason: string): ReloadOutcome {
    const { path, log } = this.options;
    let routing: RoutingTable;
    try {
      routing = this.options.read().routing;
    } catch (error) {
      if (!(error instanceof ConfigError)) return this.failed(reason, error);
      for (const problem of error.message.split('\n')) log.error({ config_file: path, reason }, `configuration file refused: ${problem}`);
      log.warn({ config_file: path, reason }, 'configuration file refused: the running configuration stays');
      return 'refused';
    }
    const text = JSON.stringify(routing);
    if (text === this.current) {
      log.debug({ config_file: path, reason }, 'configuration file read again: nothing changed');
      return 'unchanged';
    }
    try {
      this.options.apply(routing);
    } catch (error) {
      return this.failed(reason, error);
    }
    this.current = text;
    log.info(
      { config_file: path, reason, upstreams: routing.targets.map((target) => target.name), models: Object.keys(routing.models).length },
      'configuration file reloaded',
    );
    return 'applied';
  }

  /** Reloads when anything in the file's folder changes, once the folder has been quiet for debounceMs. */
  watch(): void {
    if (this.watcher) return;
    const { path, log } = this.options;
    try {
      this.watcher = watch(dirname(path), { persistent: false }, () => this.schedule());
    } catch (error) {
      log.warn({ config_file: path, err: error }, 'cannot watch the configuration file: it reloads on SIGHUP only');
      return;
    }
    this.watcher.on('error', (error) => {
      log.warn({ config_file: path, err: error }, 'watching the configuration file failed: it reloads on SIGHUP only');
      this.close();
    });
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Whatever else goes wrong (a reload also runs from a timer, where a throw would end the process). */
  private failed(reason: string, error: unknown): ReloadOutcome {
    this.options.log.error({ config_file: this.options.path, reason, err: error }, 'configuration file reload failed: the running configuration stays');
    return 'refused';
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.reload('file changed');
    }, this.options.debounceMs ?? 250);
    this.timer.unref();
  }
}

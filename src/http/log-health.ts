// What the HTTP layer reads of the log destinations (logging.ts provides it): /readyz names the failed ones
// and the metrics count their dropped lines.

export interface LogSinkState {
  /** `stdout`, `server.log`, `server_error.log`. */
  readonly name: string;
  /** Why it stopped writing, or null while it works. */
  readonly failure: string | null;
  /** Lines lost: written while it had failed, or beyond its backlog. */
  readonly droppedLines: number;
}

/** A destination that stopped writing, as /readyz reports it. */
export interface LogSinkFailure {
  sink: string;
  error: string;
  dropped_lines: number;
}

/** The state of a logger's destinations, and the one way to wait for their queued lines. */
export interface LogHealth {
  readonly sinks: readonly LogSinkState[];
  failures(): LogSinkFailure[];
  /** Waits (never synchronously) until queued lines are written, or `timeoutMs` passed; true when all were. */
  flush(timeoutMs: number): Promise<boolean>;
  close(): void;
}

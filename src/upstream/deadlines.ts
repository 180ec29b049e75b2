// The total-time bound (UPSTREAM_TIMEOUT_MS) of every upstream exchange, kept by one timer for all of them.
// Every exchange gets the same duration, so deadlines come in the order the exchanges start: a list in
// arrival order is also in deadline order, and one unref'd timer armed for its head is enough. Adding and
// removing an entry is O(1) and allocates nothing beyond the entry (measured against a setTimeout per
// request: the timer object, its insertion and clearTimeout were part of the wrapper's cost per request).

/** An exchange with a deadline; the list links it in place. */
export interface Deadline {
  deadline: number;
  previousDeadline: Deadline | null;
  nextDeadline: Deadline | null;
  /** Called once when the deadline passes while the entry is still in the list (it is removed first). */
  expire(): void;
}

export class DeadlineList {
  private head: Deadline | null = null;
  private tail: Deadline | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly durationMs: number;

  constructor(durationMs: number) {
    this.durationMs = durationMs;
  }

  /** Starts the entry's clock: it expires durationMs from now unless removed before. */
  add(entry: Deadline): void {
    entry.deadline = performance.now() + this.durationMs;
    entry.nextDeadline = null;
    entry.previousDeadline = this.tail;
    if (this.tail === null) this.head = entry;
    else this.tail.nextDeadline = entry;
    this.tail = entry;
    if (this.timer === null) this.arm(entry.deadline);
  }

  /** Takes the entry out (its exchange ended); a no-op for one that is not in the list. */
  remove(entry: Deadline): void {
    if (entry.previousDeadline === null && this.head !== entry) return;
    if (entry.previousDeadline === null) this.head = entry.nextDeadline;
    else entry.previousDeadline.nextDeadline = entry.nextDeadline;
    if (entry.nextDeadline === null) this.tail = entry.previousDeadline;
    else entry.nextDeadline.previousDeadline = entry.previousDeadline;
    entry.previousDeadline = null;
    entry.nextDeadline = null;
    // The timer stays armed: when it fires early for a later head it re-arms (one wake-up per head change at
    // most, instead of a clear and a new timer per request).
  }

  /** Entries in the list (for tests). */
  get size(): number {
    let count = 0;
    for (let entry = this.head; entry !== null; entry = entry.nextDeadline) count++;
    return count;
  }

  /** Stops the timer (the client is closing); entries stay but expire no more. */
  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(at: number): void {
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(at - performance.now())));
    this.timer.unref();
  }

  private readonly fire = (): void => {
    this.timer = null;
    const now = performance.now();
    // Timers may fire up to a millisecond before their time as performance.now() measures it.
    while (this.head !== null && this.head.deadline <= now + 1) {
      const expired = this.head;
      this.remove(expired);
      expired.expire();
    }
    if (this.head !== null) this.arm(this.head.deadline);
  };
}

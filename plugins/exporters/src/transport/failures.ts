/**
 * Counts an exporter's failed deliveries so a sink can report them all at the end instead of
 * throwing into the run at the first one.
 */
export class FailureLog {
  #attempted = 0;
  readonly #problems: string[] = [];

  constructor(readonly what: string) {}

  /** Run one delivery; a failure is recorded, never thrown. */
  async attempt(label: string, fn: () => Promise<unknown>): Promise<boolean> {
    this.#attempted++;
    try {
      await fn();
      return true;
    } catch (error) {
      this.#problems.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  }

  get failed(): number {
    return this.#problems.length;
  }

  get attempted(): number {
    return this.#attempted;
  }

  /** Reject with one message counting every failure since the last call (then start over). */
  throwIfFailed(): void {
    if (this.#problems.length === 0) return;
    const n = this.#problems.length;
    const shown = this.#problems.slice(0, 3).join('; ');
    const more = n > 3 ? `; and ${n - 3} more` : '';
    const message = `${this.what}: ${n} of ${this.#attempted} export${this.#attempted === 1 ? '' : 's'} failed: ${shown}${more}`;
    this.#problems.length = 0;
    this.#attempted = 0;
    throw new Error(message);
  }
}

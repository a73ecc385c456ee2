/**
 * Counts an exporter's failed deliveries so a sink can report them all at the end instead of
 * throwing into the run at the first one.
 */
export class FailureLog {
  #attempted = 0;
  readonly #problems: string[] = [];

  readonly #secrets: string[];

  /**
   * `sensitive`: option values that may carry credentials (header values, passwords, URLs);
   * they and their parts are scrubbed from every message, since an endpoint's error answer may
   * echo the request back.
   */
  constructor(readonly what: string, sensitive: ReadonlyArray<string | undefined> = []) {
    this.#secrets = secretParts(sensitive);
  }

  scrub(text: string): string {
    let out = text;
    for (const s of this.#secrets) out = out.split(s).join('***');
    return out;
  }

  /** Run one delivery; a failure is recorded, never thrown. */
  async attempt(label: string, fn: () => Promise<unknown>): Promise<boolean> {
    this.#attempted++;
    try {
      await fn();
      return true;
    } catch (error) {
      this.#problems.push(this.scrub(`${label}: ${error instanceof Error ? error.message : String(error)}`));
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

/** The strings to hide for a list of sensitive values: each value, its URL query and user info, each query and header token. */
export function secretParts(values: ReadonlyArray<string | undefined>): string[] {
  const out = new Set<string>();
  const add = (v: string | undefined) => {
    if (!v || v.length < 4) return;
    out.add(v);
    const encoded = encodeURIComponent(v);
    if (encoded !== v) out.add(encoded);
  };
  for (const v of values) {
    if (!v) continue;
    let url: URL | undefined;
    try {
      url = /^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? new URL(v) : undefined;
    } catch {
      url = undefined;
    }
    if (url) {
      add(url.search.slice(1));
      for (const [, value] of url.searchParams) add(value);
      add(url.password);
      add(decodeURIComponent(url.password));
      add(url.username && url.password ? url.username : undefined);
    } else {
      add(v);
      // `Bearer abc`, `Basic xyz`: the token alone too.
      for (const part of v.split(/\s+/)) if (part !== v) add(part.length >= 8 ? part : undefined);
    }
  }
  // Longest first, so a value is replaced whole before any part of it.
  return [...out].sort((a, b) => b.length - a.length);
}

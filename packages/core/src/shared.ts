/**
 * State shared by the components of one session (`ctx.shared`): what several components would
 * otherwise each build from the same records — a field's column of one dataset, read and sorted
 * once for every detector comparing that field. Values are keyed by a string the plugin chooses;
 * `window` values are dropped when the window's results are in, `session` values live with the
 * session. Memory is bounded by what the sharing components would hold anyway (one copy instead
 * of one per component), released at window end for the window's data.
 */
export type SharedScope = 'session' | 'window';

/** `ctx.shared(key, scope, create)`: the value stored under `key`, created on first use. */
export type SharedGetter = <T>(key: string, scope: SharedScope, create: () => T) => T;

export class SharedState {
  readonly #session = new Map<string, unknown>();
  readonly #window = new Map<string, unknown>();

  readonly get: SharedGetter = <T>(key: string, scope: SharedScope, create: () => T): T => {
    const store = scope === 'window' ? this.#window : this.#session;
    const other = scope === 'window' ? this.#session : this.#window;
    if (other.has(key)) throw new Error(`shared state "${key}" is kept with scope "${scope === 'window' ? 'session' : 'window'}"; one key has one scope`);
    if (store.has(key)) return store.get(key) as T;
    const value = create();
    store.set(key, value);
    return value;
  };

  /** The window's results are in: drop its values. */
  endWindow(): void {
    this.#window.clear();
  }

  /** Values held (for tests). */
  get size(): { session: number; window: number } {
    return { session: this.#session.size, window: this.#window.size };
  }
}

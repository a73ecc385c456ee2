import { createRequire } from 'node:module';

// Required, not imported: eventemitter3's ESM entry re-exports its CommonJS file, which Node then
// scans for named exports at every start; require() loads the same code without the scan.
const { EventEmitter } = createRequire(import.meta.url)('eventemitter3') as typeof import('eventemitter3');
import type { VigiaEvent, VigiaEvents } from './contracts.js';

type Listener<K extends keyof VigiaEvents> = (payload: VigiaEvents[K]) => void;

/**
 * The run's typed event bus (eventemitter3). `emit` is the one typed function every hook goes
 * through, so a typo in an event name is a compile error. `onAny` sees every event in order,
 * which is what sinks subscribe to.
 */
export class EventBus {
  readonly #emitter = new EventEmitter();
  readonly #any = new Set<(event: VigiaEvent) => void>();
  readonly #redact: (<T>(value: T) => T) | undefined;

  /** `redact` rewrites every payload before any listener sees it (the run removes secrets there). */
  constructor(options: { redact?: <T>(value: T) => T } = {}) {
    this.#redact = options.redact;
  }

  emit<K extends keyof VigiaEvents>(type: K, raw: VigiaEvents[K]): void {
    const payload = this.#redact ? this.#redact(raw) : raw;
    this.#emitter.emit(type, payload);
    if (this.#any.size > 0) {
      const event = { type, ...payload } as VigiaEvent;
      for (const listener of this.#any) listener(event);
    }
  }

  on<K extends keyof VigiaEvents>(type: K, listener: Listener<K>): () => void {
    this.#emitter.on(type, listener);
    return () => this.#emitter.off(type, listener);
  }

  onAny(listener: (event: VigiaEvent) => void): () => void {
    this.#any.add(listener);
    return () => this.#any.delete(listener);
  }
}

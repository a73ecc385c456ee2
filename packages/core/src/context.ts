import { tmpdir } from 'node:os';
import type { Cache, Clock, ComponentContext, Embedder, Logger, MultipleTesting, Provider, Rng } from './contracts.js';
import { EventBus } from './events.js';
import type { SharedGetter } from './shared.js';
import { componentSeed, createLogger, createMemoryCache, createRng, resolveFrom, systemClock } from './services.js';

/** Run-wide services from which each component's context is derived. */
export interface RunServices {
  readonly seed: number;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly events: EventBus;
  readonly cache: Cache;
  readonly configDir: string;
  embedder(name?: string): Promise<Embedder>;
  provider(name?: string): Promise<Provider>;
}

export interface ContextOptions {
  id: string;
  use: string;
  signal?: AbortSignal;
  /** The run's correction and test count (default: none over 1 test). */
  multipleTesting?: MultipleTesting;
  /** The session's shared state (`ctx.shared`); absent outside a session. */
  shared?: SharedGetter;
}

/** The level a p-value is judged at under a correction over `tests` tests (see ComponentContext.levelFor). */
export function correctedLevel(alpha: number, testing: MultipleTesting): number {
  return testing.correction === 'none' ? alpha : alpha / Math.max(1, testing.tests);
}

/** The context a component sees: run services plus its own seeded RNG, scoped logger and signal. */
export function createComponentContext(run: RunServices, options: ContextOptions): ComponentContext {
  const rng: Rng = createRng(componentSeed(run.seed, options.id));
  const signal = options.signal ?? new AbortController().signal;
  const logger = scopedLogger(run.logger, options.id);
  const multipleTesting: MultipleTesting = options.multipleTesting ?? { correction: 'none', tests: 1 };
  return {
    id: options.id,
    use: options.use,
    multipleTesting,
    levelFor: (alpha) => correctedLevel(alpha, multipleTesting),
    logger,
    rng,
    clock: run.clock,
    events: run.events,
    cache: run.cache,
    configDir: run.configDir,
    signal,
    resolvePath: (path) => resolveFrom(run.configDir, path),
    embedder: (name) => run.embedder(name),
    provider: (name) => run.provider(name),
    progress: (done, total, label) => run.events.emit('progress', { id: options.id, done, total, label }),
    ...(options.shared ? { shared: options.shared } : {}),
  };
}

function scopedLogger(base: Logger, scope: string): Logger {
  const prefix = (m: string) => `[${scope}] ${m}`;
  return {
    debug: (m, f) => base.debug(prefix(m), f),
    info: (m, f) => base.info(prefix(m), f),
    warn: (m, f) => base.warn(prefix(m), f),
    error: (m, f) => base.error(prefix(m), f),
  };
}

/** Run services for tests and scripts: silent logger, memory cache, no provider. */
export function createStandaloneServices(overrides: Partial<RunServices> = {}): RunServices {
  return {
    seed: 42,
    logger: createLogger({ level: 'silent' }),
    clock: systemClock,
    events: new EventBus(),
    cache: createMemoryCache(),
    configDir: tmpdir(),
    embedder: async () => {
      throw new Error('no embedder is configured for this context');
    },
    provider: async () => {
      throw new Error('no provider is configured for this context');
    },
    ...overrides,
  };
}

import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { createRandom, hashString, type SeededRandom } from '@vigia/random';
import type { Cache, Clock, Logger, Rng } from './contracts.js';

export function createRng(seed: number): Rng {
  return wrap(createRandom(seed));
}

function wrap(random: SeededRandom): Rng {
  return {
    next: random.next,
    int: (n) => random.int(n),
    normal: () => random.normal(),
    fork: (label) => wrap(random.fork(label)),
    seed: random.seed,
  };
}

/** Derive a component's seed from the run seed and its id, so adding a detector does not change another's numbers. */
export function componentSeed(runSeed: number, id: string): number {
  return hashString(id, runSeed >>> 0);
}

export const systemClock: Clock = {
  now: () => Date.now(),
  hrtime: () => performance.now(),
};

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** A logger writing `level [scope] message` lines to a stream (stderr by default). */
export function createLogger(options: { level?: LogLevel; scope?: string; write?: (line: string) => void; redact?: readonly string[] } = {}): Logger {
  const min = levelRank[options.level ?? 'warn'];
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const redact = (options.redact ?? []).filter((s) => s.length >= 4);
  const scrub = (text: string) => redact.reduce((t, secret) => t.split(secret).join('***'), text);
  const log = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (levelRank[level] < min) return;
    const extra = fields && Object.keys(fields).length ? ' ' + JSON.stringify(fields) : '';
    write(scrub(`${level}${options.scope ? ` [${options.scope}]` : ''} ${message}${extra}`));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** A cache in memory only (tests, `cache: false`). */
export function createMemoryCache(): Cache {
  const store = new Map<string, Uint8Array>();
  return {
    async get(ns, key) { return store.get(`${ns}/${key}`); },
    async set(ns, key, value) { store.set(`${ns}/${key}`, value); },
    async dir() { throw new Error('this run has no cache directory (set `cache:` in the config)'); },
  };
}

/** A content-addressed cache on disk: `<root>/<namespace>/<sha256(key)[0:2]>/<sha256(key)>`. */
export function createDiskCache(root: string): Cache {
  const fileOf = (ns: string, key: string) => {
    const h = createHash('sha256').update(key).digest('hex');
    return join(root, safe(ns), h.slice(0, 2), h);
  };
  return {
    async get(ns, key) {
      try {
        return new Uint8Array(await readFile(fileOf(ns, key)));
      } catch {
        return undefined;
      }
    },
    async set(ns, key, value) {
      const file = fileOf(ns, key);
      await mkdir(join(file, '..'), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, value);
      await rename(tmp, file);
    },
    async dir(ns) {
      const d = join(root, safe(ns));
      await mkdir(d, { recursive: true });
      return d;
    },
  };
}

function safe(ns: string): string {
  return ns.replace(/[^a-zA-Z0-9._-]/g, '_');
}

export function resolveFrom(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

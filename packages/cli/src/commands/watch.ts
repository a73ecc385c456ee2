import { resolve } from 'node:path';
import { ConfigError, Session, VigiaError, createLogger, loadConfigFile, planFromLoaded, type LoadedConfig, type SessionSnapshot, type SourceBatch, type SourcePosition } from '@vigia/core';
import type { AlertEvaluator, AlertState } from '@vigia/monitor';
import type { Io } from '../main.js';
import { builtinRegistry, reportError } from '../shared.js';

export interface WatchArgs {
  config: string;
  debug: boolean;
  /** Test hook: stop (as on SIGTERM) once the input is idle at its end. */
  signal?: AbortSignal;
}

/** Where the config's history store is: `store.path`, else `.vigia/<config name>.duckdb` beside the config. */
export function storePathOf(loaded: LoadedConfig): string {
  const path = loaded.config.store?.path;
  return path ? resolve(loaded.dir, path) : resolve(loaded.dir, '.vigia', `${loaded.config.name.replace(/[^A-Za-z0-9._-]+/g, '_')}.duckdb`);
}

const DEFAULT_LISTEN = '127.0.0.1:9465';

/**
 * `vigia watch CONFIG`: a long-running session over the `windows:` dataset, read from a followed
 * jsonl file (or directory) or received by the http source; every closed window evaluated,
 * exported to the sinks, stored in the history with the input position and alerted on. SIGTERM
 * (or SIGINT) stores the open window as partial and exits 0; after a crash it resumes.
 */
export async function watchCommand(args: WatchArgs, io: Io): Promise<number> {
  const monitor = await import('@vigia/monitor');
  const logger = createLogger({ level: args.debug ? 'debug' : 'info', write: (l) => io.stderr(`vigia: ${l}\n`) });
  const cleanups: Array<() => Promise<unknown>> = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    const loaded = loadConfigFile(args.config, { env: io.env, cwd: io.cwd });
    const { config } = loaded;
    const where = (path: string) => {
      const line = loaded.lineOf(path);
      return line ? `${loaded.displayPath}:${line}` : loaded.displayPath;
    };
    if (!config.windows) {
      throw new ConfigError('VIGIA_CONFIG_INVALID', `${loaded.displayPath}: vigia watch evaluates windows: add windows: { size: 5m } (by record time) or windows: { records: 10000 }`);
    }
    const { every, size, records } = config.windows;
    if (every !== undefined && String(every).trim() !== String(size ?? records).trim()) {
      throw new ConfigError('VIGIA_CONFIG_INVALID', `${where('/windows/every')}: vigia watch cannot restart sliding windows yet (the session cannot snapshot them), so it would lose or recount records after a crash; remove windows.every for tumbling windows`);
    }
    const datasetName = config.windows.dataset;
    const spec = config.data[datasetName];
    if (!spec) throw new ConfigError('VIGIA_CONFIG_INVALID', `${where('/windows')}: windows.dataset is "${datasetName}", but data: has no such dataset`);
    // The input: a followed jsonl file/directory, or the http source's spool.
    let input: { kind: 'follow'; path: string } | { kind: 'http'; options: Record<string, unknown> };
    const storePath = storePathOf(loaded);
    if (spec.use === 'jsonl') {
      const w = spec.with ?? {};
      if (w.follow !== true) logger.warn(`${where(`/data/${datasetName}`)}: the jsonl source has no follow: true; vigia watch tails ${String(w.path)} anyway (set follow: true to say so)`);
      for (const opt of ['limit', 'sample']) {
        if (w[opt] !== undefined) throw new ConfigError('VIGIA_CONFIG_INVALID', `${where(`/data/${datasetName}/with/${opt}`)}: ${opt} cannot apply to a followed stream (every record is counted); remove it`);
      }
      if (typeof w.path !== 'string') throw new ConfigError('VIGIA_CONFIG_INVALID', `${where(`/data/${datasetName}`)}: the jsonl source needs with.path`);
      input = { kind: 'follow', path: resolve(loaded.dir, w.path) };
    } else if (spec.use === 'http') {
      input = { kind: 'http', options: spec.with ?? {} };
    } else {
      throw new ConfigError('VIGIA_CONFIG_INVALID', `${where(`/data/${datasetName}/use`)}: vigia watch reads the windowed dataset "${datasetName}" from a jsonl source (with follow: true, a file or a directory of rotated files) or the http source, not ${spec.use}`);
    }
    const plan = await planFromLoaded(loaded, await builtinRegistry());

    let rules;
    try {
      rules = monitor.compileRules(config.alerts ?? [], plan.detectors.map((d) => d.id));
    } catch (error) {
      if (error instanceof monitor.AlertRuleError) throw new ConfigError('VIGIA_CONFIG_INVALID', `${where('/alerts')}: ${error.message}`);
      throw error;
    }
    const targets = plan.sinks.filter((s) => s.use === 'webhook').map((s) => s.options as unknown as import('@vigia/monitor').WebhookTarget);
    if (rules.length && targets.length === 0) logger.warn('alerts: no webhook sink in the config; alert transitions are kept in the history store only (vigia history)');

    // The store: refused when another watcher holds it.
    const store = await monitor.HistoryStore.open(storePath, { retentionDays: config.store?.retentionDays });
    cleanups.push(() => store.close());

    let ingest: InstanceType<typeof monitor.IngestServer> | undefined;
    let followPath: string;
    if (input.kind === 'http') {
      const planned = plan.datasets.find((d) => d.id === datasetName)!;
      const o = planned.options as { listen: string; spool?: string; maxBodyBytes: number; spans: 'llm' | 'all' };
      followPath = o.spool ? resolve(loaded.dir, o.spool) : `${storePath}.spool`;
      ingest = new monitor.IngestServer({ listen: o.listen, spool: followPath, maxBodyBytes: o.maxBodyBytes, spans: o.spans });
      await ingest.start();
      cleanups.push(() => ingest!.close());
      logger.info(`http source: POST JSON Lines to http://${ingest.address!.host}:${ingest.address!.port}/v1/records, OTLP/HTTP JSON traces to /v1/traces`);
    } else followPath = input.path;

    // Idle close: watch.idle, else the window's length (time windows) or a minute (count windows).
    const idleMs = config.watch?.idle ? parseDurationMs(config.watch.idle) : config.windows.size ? parseDurationMs(config.windows.size) : 60_000;
    const annotate = config.watch?.annotate;
    // A rolling reference (fromHistory): drawn from the store's samples, which are committed with their windows.
    const history = plan.history.length ? new monitor.HistoryReferences(store, config.name) : undefined;
    const notifier = new monitor.AlertNotifier(config.name, targets, store, (m) => logger.warn(m));
    let fatal: unknown;
    const watcher = new monitor.Watcher({
      run: config.name,
      store,
      openSession: async (snapshot) => {
        // Each window is stored as it closes; the session keeps only the last few for its closing report.
        return Session.open(plan, { logger, restore: snapshot as SessionSnapshot | undefined, idleMs, keepWindows: 10, ...(history ? { history } : {}) });
      },
      input: (from: SourcePosition | undefined, signal: AbortSignal): AsyncIterable<SourceBatch> => monitor.followJsonl({
        path: followPath, from, signal, batchSize: 4096, pollMs: 100, warn: (m) => logger.warn(m),
      }),
      restoreAlerts: (state: AlertState | undefined): AlertEvaluator => new monitor.AlertEvaluator(config.name, rules, state),
      notifier,
      ...(history ? { history } : {}),
      ...(annotate ? { restoreHook: (state: unknown) => new monitor.AnnotationQueue({ path: resolve(loaded.dir, annotate.path), perWindow: annotate.perWindow, fields: annotate.fields, timestampField: config.windows!.timestampField, seed: config.seed }, state) } : {}),
      idleMs,
      tickMs: Math.min(1000, Math.max(50, Math.floor(idleMs / 4))),
      log: (level, message) => logger[level](message),
      onFatal: (error) => {
        fatal = error;
        stop();
      },
    });
    const status = new monitor.StatusServer({
      listen: config.watch?.listen ?? DEFAULT_LISTEN, run: config.name, store, stats: () => watcher.stats,
      extra: () => ({
        vigia_watch_alert_deliveries_total: { value: notifier.stats.delivered, help: 'Alert transitions delivered to every webhook.', type: 'counter' },
        vigia_watch_alert_delivery_failures_total: { value: notifier.stats.failed, help: 'Failed alert delivery attempts (each retried later).', type: 'counter' },
        vigia_watch_alert_deliveries_pending: { value: notifier.stats.pending, help: 'Alert transitions waiting for delivery.', type: 'gauge' },
        ...(ingest ? {
          vigia_watch_http_records_accepted_total: { value: ingest.stats.accepted, help: 'Records received by the http source and spooled.', type: 'counter' as const },
          vigia_watch_http_records_rejected_total: { value: ingest.stats.rejected, help: 'Records the http source rejected (bad JSON, not objects).', type: 'counter' as const },
        } : {}),
      }),
    });
    await status.start();
    cleanups.push(() => status.close());
    logger.info(`watching ${input.kind === 'http' ? 'the http source' : followPath} for ${config.name}; history in ${storePath}; /healthz, /metrics and /history on ${status.url}`);

    let resolveStop!: () => void;
    const stopped = new Promise<void>((r) => (resolveStop = r));
    const stop = () => resolveStop();
    const onSignal = (name: string) => () => {
      logger.info(`${name}: storing the open window as partial and stopping`);
      stop();
    };
    const onTerm = onSignal('SIGTERM');
    const onInt = onSignal('SIGINT');
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onInt);
    args.signal?.addEventListener('abort', stop, { once: true });
    cleanups.push(async () => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
    });

    await watcher.start();
    let pruneTimer: NodeJS.Timeout | undefined;
    if (ingest) {
      pruneTimer = setInterval(() => void ingest!.prune(typeof watcher.position?.file === 'string' ? watcher.position.file : undefined), 5000);
      pruneTimer.unref();
    }
    await stopped;
    if (pruneTimer) clearInterval(pruneTimer);
    if (fatal) {
      await cleanup();
      throw new VigiaError('VIGIA_RUNTIME', `vigia watch stopped: ${fatal instanceof Error ? fatal.message : String(fatal)}; the history store keeps every window committed before it, and a restart resumes from there`);
    }
    const report = await watcher.stop();
    await cleanup();
    logger.info(`stopped: ${watcher.stats.recordsThisProcess} record(s) read, ${watcher.stats.windows} window(s) stored by this process${notifier.stats.pending ? `; ${notifier.stats.pending} alert(s) still queued for delivery (kept in the store)` : ''}`);
    for (const w of report?.warnings ?? []) io.stderr(`vigia: warning: ${w}\n`);
    return 0;
  } catch (error) {
    await cleanup();
    if (error instanceof Error && error.name === 'StoreLockedError') return reportError(new VigiaError('VIGIA_RUNTIME', error.message), io, args.debug);
    return reportError(error, io, args.debug);
  }
}

function parseDurationMs(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return m ? Number(m[1]) * unit[m[2] as keyof typeof unit] : NaN;
}


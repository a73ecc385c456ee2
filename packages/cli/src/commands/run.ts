import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { createLogger, loadConfigFile, planFromLoaded, runPlan, SinkFailedError, VigiaError, errorMessage, writeFileSafely, type LoadedConfig, type Plan, type Report, type RunOptions, type Sink, type WindowReport } from '@vigia/core';
import type { Io } from '../main.js';
import { createProgressSink } from '../progress.js';
import { builtinRegistryFor, reportError } from '../shared.js';

export interface RunArgs {
  config: string;
  format: 'table' | 'json';
  out?: string;
  seed?: number;
  color?: boolean;
  debug: boolean;
}

/** The windows of a finished run as the history stores them (a batch run is one window). */
function windowsOf(report: Report): WindowReport[] {
  return report.windows ?? [{
    window: report.window ?? { index: 0, start: null, end: null, partial: false, records: Object.values(report.datasets).reduce((a, d) => a + d.records, 0) },
    status: report.status, datasets: report.datasets, detectors: report.detectors, metrics: report.metrics,
    ...(report.metricErrors ? { metricErrors: report.metricErrors } : {}),
  }];
}

/** Append a finished run's windows to the config's history store; a problem is returned as a warning. */
async function storeRun(loaded: LoadedConfig, report: Report): Promise<string | undefined> {
  const { HistoryStore, StoreLockedError } = await import('@vigia/monitor');
  const { storePathOf } = await import('./watch.js');
  const path = storePathOf(loaded);
  try {
    const store = await HistoryStore.open(path, { retentionDays: loaded.config.store?.retentionDays });
    try {
      await store.commit(report.name, { windows: windowsOf(report) });
    } finally {
      await store.close();
    }
    return undefined;
  } catch (error) {
    if (error instanceof StoreLockedError) return `the run was not added to the history: ${error.message}`;
    return `the run was not added to the history store ${path}: ${errorMessage(error)}`;
  }
}

/**
 * A run with a rolling reference (fromHistory): the store is opened before the run (its samples
 * are each window's reference) and the run's windows are committed with their samples at the end.
 * A store that cannot be opened is an error here, not a warning: the run cannot be judged without it.
 */
async function runWithHistory(plan: Plan, options: RunOptions): Promise<{ report: Report; sinkFailure?: SinkFailedError }> {
  const { HistoryStore, HistoryReferences, StoreLockedError } = await import('@vigia/monitor');
  const { storePathOf } = await import('./watch.js');
  const path = storePathOf(plan.loaded);
  let store;
  try {
    store = await HistoryStore.open(path, { retentionDays: plan.config.store?.retentionDays });
  } catch (error) {
    if (error instanceof StoreLockedError) throw new VigiaError('VIGIA_RUNTIME', `${plan.history[0]!.path} reads the history store, which is busy: ${error.message}`);
    throw new VigiaError('VIGIA_RUNTIME', `${plan.history[0]!.path} reads the history store ${path}, which cannot be opened: ${errorMessage(error)}`, { cause: error });
  }
  try {
    const history = new HistoryReferences(store, plan.config.name);
    let report: Report;
    let sinkFailure: SinkFailedError | undefined;
    try {
      report = await runPlan(plan, { ...options, history });
    } catch (error) {
      if (!(error instanceof SinkFailedError)) throw error;
      sinkFailure = error;
      report = error.report;
    }
    try {
      await store.commit(report.name, { windows: windowsOf(report), samples: history.takePending() });
    } catch (error) {
      report.warnings = [...(report.warnings ?? []), `the run was not added to the history store ${path}: ${errorMessage(error)}`];
    }
    return { report, ...(sinkFailure ? { sinkFailure } : {}) };
  } finally {
    await store.close();
  }
}

/** Exit code of a finished run (contract): fail → 1; an errored detector or metric → 3. */
export function exitCodeOf(report: Report): number {
  if (report.status === 'error') return 3;
  if (report.status === 'fail') return 1;
  return 0;
}

export async function runCommand(args: RunArgs, io: Io): Promise<number> {
  try {
    // Only the built-in plugins the config names are imported (start-up), unless it needs them all.
    const loaded = loadConfigFile(args.config, { env: io.env, cwd: io.cwd });
    const plan = await planFromLoaded(loaded, await builtinRegistryFor(loaded.config));
    if (args.seed !== undefined) plan.config.seed = args.seed;
    // With --format json stdout carries only the report, so console sinks move to stderr.
    const consoleSinks = plan.sinks.filter((s) => s.use === 'console');
    if (args.format === 'json') for (const s of consoleSinks) s.options.stream = 'stderr';
    if (args.color !== undefined) for (const s of consoleSinks) s.options.color = args.color ? 'always' : 'never';

    const extraSinks: Sink[] = [];
    if (io.stderrIsTTY && !args.debug) extraSinks.push(createProgressSink(io.stderr, { detectors: plan.detectors.length, metrics: plan.metrics.length }));
    const logger = createLogger({ level: args.debug ? 'debug' : 'warn', write: (l) => io.stderr(`vigia: ${l}\n`), redact: plan.loaded.secrets });
    let report: Report;
    let sinkFailure: SinkFailedError | undefined;
    if (plan.history.length) {
      ({ report, sinkFailure } = await runWithHistory(plan, { logger, extraSinks }));
    } else {
      try {
        report = await runPlan(plan, { logger, extraSinks });
      } catch (error) {
        // A required output failed: the report exists, so show it, then exit 3 with the reason.
        if (!(error instanceof SinkFailedError)) throw error;
        sinkFailure = error;
        report = error.report;
      }
    }
    // `store:` keeps batch runs in the history too (one row per window; the whole run is one window).
    if (plan.config.store && !plan.history.length) {
      const problem = await storeRun(plan.loaded, report);
      if (problem) report.warnings = [...(report.warnings ?? []), problem];
    }

    if (args.format === 'json') {
      io.stdout(JSON.stringify(report, null, 2) + '\n');
    } else if (consoleSinks.length === 0) {
      const { formatReportTable, shouldColor } = await import('@vigia/plugin-sinks');
      const color = args.color ?? shouldColor('auto', process.stdout, io.env);
      const tty = process.stdout.isTTY === true;
      io.stdout(formatReportTable(report, { color, width: process.stdout.columns || 120, fullMessages: !tty }));
    }
    if (args.out) {
      const file = resolve(io.cwd, args.out);
      try {
        await writeFileSafely(file, JSON.stringify(report, null, 2) + '\n', '--out', args.out);
      } catch (error) {
        throw new VigiaError('VIGIA_RUNTIME', `could not write the report: ${errorMessage(error)}`, { cause: error });
      }
    }
    // A source that stopped early (e.g. a model provider failed midway) is a runtime error: say so
    // on stderr whatever the output format; the report still holds what was read.
    const datasetErrors = new Set(Object.values(report.datasets).flatMap((d) => (d.error ? [d.error] : [])));
    for (const w of report.warnings ?? []) if (!datasetErrors.has(w) && (args.format === 'json' || consoleSinks.length === 0)) io.stderr(`vigia: warning: ${w}\n`);
    for (const e of datasetErrors) io.stderr(`vigia: error: ${e}; the report covers the records read before the error\n`);
    for (const m of report.metricErrors ?? []) if (args.format === 'json' || consoleSinks.length === 0) io.stderr(`vigia: error: metric ${m.id} (${m.use}): ${m.message}\n`);
    // Say where the JSON report went (json sinks of the config, --out), so it can be found.
    const written = [
      ...plan.sinks.filter((s) => s.use === 'json' && typeof s.options.path === 'string').map((s) => resolve(plan.loaded.dir, s.options.path as string)),
      ...(args.out ? [resolve(io.cwd, args.out)] : []),
    ].filter((file) => existsSync(file)).map((file) => relative(io.cwd, file) || file);
    if (written.length) {
      const line = `JSON report written to ${written.join(', ')}\n`;
      if (args.format === 'json') io.stderr(`vigia: ${line}`);
      else io.stdout(line);
    }
    if (sinkFailure) return reportError(sinkFailure, io, args.debug);
    return exitCodeOf(report);
  } catch (error) {
    return reportError(error, io, args.debug);
  }
}

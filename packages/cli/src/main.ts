import { readFileSync } from 'node:fs';
import yargs from 'yargs';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress output is shown only then). */
  stderrIsTTY: boolean;
  stdoutIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const defaultIo = (): Io => ({
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  stderrIsTTY: Boolean(process.stderr.isTTY),
  stdoutIsTTY: Boolean(process.stdout.isTTY),
  env: process.env,
  cwd: process.cwd(),
});

class UsageError extends Error {}

/**
 * yargs renders the whole help text each time a command starts (to show it if the command later
 * fails), which costs a noticeable share of a small `vigia run`. Vigia never shows help after a
 * command started (handlers report their own errors, and `.fail` throws without help), so the
 * caching is switched off. An internal yargs hook: when it is missing, nothing changes.
 */
function skipHelpCaching(parser: unknown): void {
  try {
    const usage = (parser as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: unknown } } }).getInternalMethods?.().getUsageInstance?.();
    if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
  } catch {
    // a yargs without this hook: keep its behaviour
  }
}

/** `--seed` as typed → the seed; anything but a non-negative integer is a usage error (exit 2). */
export function parseSeed(raw: unknown): number {
  const text = (Array.isArray(raw) ? String(raw.at(-1)) : String(raw)).trim();
  const seed = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed ${JSON.stringify(String(raw)).slice(0, 40)} is not a seed; give a non-negative integer, e.g. --seed 42`);
  return seed;
}

function cliVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Run the CLI with `argv` (without node and script); resolves to the exit code (contract: 0/1/2/3). */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  let exitCode = 0;
  let usageError: string | undefined;
  const parser = yargs(argv)
    .scriptName('vigia')
    .usage('$0 <command> [options]\n\nEvaluate LLM logs for drift, bias and anomalies from a declarative config.')
    .command('run <config>', 'Run the detectors and metrics of a config and print the report', (y) =>
      y.positional('config', { type: 'string', describe: 'Config file (YAML or JSON)', demandOption: true })
        .option('format', { choices: ['table', 'json'] as const, default: 'table' as const, describe: 'table: a readable table on stdout; json: only the report on stdout' })
        .option('out', { type: 'string', describe: 'Also write the JSON report to this file' })
        .option('seed', { type: 'string', describe: "Override the config's seed (a non-negative integer)", coerce: (v: unknown) => (v === undefined ? v : parseSeed(v)) })
        .option('color', { type: 'boolean', describe: 'Force colour on or off (default: on when stdout is a TTY and NO_COLOR is unset)' })
        .option('debug', { type: 'boolean', default: false, describe: 'Show debug logs and stack traces' }),
    async (args) => {
      const { runCommand } = await import('./commands/run.js');
      exitCode = await runCommand({ config: args.config, format: args.format, out: args.out, seed: args.seed, color: args.color, debug: args.debug }, io);
    })
    .command('validate <config>', 'Check a config, its plugins and every option without reading data', (y) =>
      y.positional('config', { type: 'string', demandOption: true, describe: 'Config file (YAML or JSON)' })
        .option('debug', { type: 'boolean', default: false }),
    async (args) => {
      const { validateCommand } = await import('./commands/validate.js');
      exitCode = await validateCommand({ config: args.config, debug: args.debug }, io);
    })
    .command('dashboard <config>', 'Write a Grafana dashboard (JSON model) for a config, querying what its prometheus sink exports', (y) =>
      y.positional('config', { type: 'string', demandOption: true, describe: 'Config file (YAML or JSON)' })
        .option('out', { type: 'string', describe: 'Write the dashboard JSON here instead of stdout' })
        .option('provisioning', { type: 'string', describe: 'Also write a Grafana dashboard provisioning file (YAML) here' })
        .option('debug', { type: 'boolean', default: false }),
    async (args) => {
      const { dashboardCommand } = await import('./commands/dashboard.js');
      exitCode = await dashboardCommand({ config: args.config, out: args.out, provisioning: args.provisioning, debug: args.debug }, io);
    })
    .command('watch <config>', 'Watch live traffic: evaluate each window of a followed JSONL file or the http source, store it in the history, export it and alert; SIGTERM stores the open window', (y) =>
      y.positional('config', { type: 'string', demandOption: true, describe: 'Config file (YAML or JSON) with windows:' })
        .option('debug', { type: 'boolean', default: false, describe: 'Show debug logs and stack traces' }),
    async (args) => {
      const { watchCommand } = await import('./commands/watch.js');
      exitCode = await watchCommand({ config: args.config, debug: args.debug }, io);
    })
    .command('history <config>', 'Show the windows stored for a config (and metric trends); works while vigia watch runs', (y) =>
      y.positional('config', { type: 'string', demandOption: true, describe: 'Config file (YAML or JSON)' })
        .option('since', { type: 'string', describe: 'Only windows ending at or after this time (ISO) or this long ago (30m, 2h, 7d)' })
        .option('format', { choices: ['table', 'json'] as const, default: 'table' as const, describe: 'table: windows and trends; json: { windows: [...] }' })
        .option('debug', { type: 'boolean', default: false }),
    async (args) => {
      const { historyCommand } = await import('./commands/history.js');
      exitCode = await historyCommand({ config: args.config, since: args.since, format: args.format, debug: args.debug }, io);
    })
    .command('plugins', 'List plugin packages (built-in and installed) and every component with its options and defaults', (y) =>
      y.option('config', { type: 'string', describe: "Also load the external plugins of this config's plugins: list" })
        .option('json', { type: 'boolean', default: false, describe: 'Machine-readable output' })
        .option('packages', { type: 'boolean', default: false, describe: 'Only the plugin packages: built-ins and installed dependencies with the vigia-plugin keyword' })
        .option('debug', { type: 'boolean', default: false }),
    async (args) => {
      const { pluginsCommand } = await import('./commands/plugins.js');
      exitCode = await pluginsCommand({ config: args.config, json: args.json, packages: args.packages, debug: args.debug }, io);
    })
    .command('schema', 'Print the JSON Schema of configs (core + every component), for editors', (y) =>
      y.option('config', { type: 'string', describe: "Also include the external plugins of this config's plugins: list" })
        .option('debug', { type: 'boolean', default: false }),
    async (args) => {
      const { schemaCommand } = await import('./commands/schema.js');
      exitCode = await schemaCommand({ config: args.config, debug: args.debug }, io);
    })
    .command('new <what> <name>', 'Create a plugin package: vigia new plugin NAME [--dir DIR] [--link [PATH]]', (y) =>
      y.positional('what', { type: 'string', choices: ['plugin'], demandOption: true, describe: 'What to create' })
        .positional('name', { type: 'string', demandOption: true, describe: 'Plugin name: acme → vigia-plugin-acme (scopes kept: @team/acme)' })
        .option('dir', { type: 'string', describe: 'Directory to create (default: ./vigia-plugin-NAME)' })
        .option('link', { type: 'string', describe: 'Take @vigia/* from a Vigia source checkout or a folder of packed tarballs (pnpm release:pack) instead of the npm registry; without PATH, the checkout this vigia runs from' })
        .option('force', { type: 'boolean', default: false, describe: 'Write into a non-empty directory' }),
    async (args) => {
      const { newCommand } = await import('./commands/new.js');
      exitCode = await newCommand({ what: args.what, name: args.name, dir: args.dir, link: args.link, force: args.force }, io);
    })
    .demandCommand(1, 'Name a command: run, validate, watch, history, dashboard, plugins, schema or new.')
    .strict()
    .epilogue('Exit codes: 0 passed or warned, 1 a detector failed, 2 usage or config error, 3 runtime or data error.\nDocs: docs/getting-started.md, docs/config-reference.md')
    .help()
    .alias('h', 'help')
    .version(cliVersion())
    .wrap(Math.min(100, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((message, error) => {
      // Throwing stops yargs before any command handler runs on invalid arguments.
      throw error ?? new UsageError(message);
    });
  skipHelpCaching(parser);
  let helpShown = false;
  try {
    await parser.parseAsync(argv, {}, (err, _argv, output) => {
      if (output) {
        helpShown = true;
        (err ? io.stderr : io.stdout)(output + '\n');
      }
    });
  } catch (error) {
    usageError = error instanceof Error ? error.message : String(error);
  }
  if (usageError) {
    if (!helpShown) io.stderr(`vigia: ${usageError}\nRun vigia --help for usage.\n`);
    return 2;
  }
  return exitCode;
}

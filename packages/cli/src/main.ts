import { readFileSync } from 'node:fs';
import { HELP_TEXTS, HELP_WIDTH } from './generated/help.js';

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

/** An option or positional as yargs is told about it (and as {@link parseFast} reads it). */
export interface ArgSpec {
  /** Absent: a string restricted to `choices` (yargs' help then shows no type). */
  type?: 'string' | 'boolean';
  describe?: string;
  choices?: readonly string[];
  default?: unknown;
  demandOption?: boolean;
  coerce?: (value: unknown) => unknown;
}

type Args = Record<string, unknown>;

/** A command: its yargs definition and its handler (which imports what the command needs). */
export interface CommandSpec {
  /** yargs command string: name and positionals (`run <config>`). */
  command: string;
  describe: string;
  positionals: Record<string, ArgSpec>;
  options: Record<string, ArgSpec>;
  handler: (args: Args, io: Io) => Promise<number>;
}

const str = (v: unknown) => v as string;
const optStr = (v: unknown) => v as string | undefined;

/** Every command (the single source for yargs and for the fast path). */
export const COMMANDS: readonly CommandSpec[] = [
  {
    command: 'run <config>', describe: 'Run the detectors and metrics of a config and print the report',
    positionals: { config: { type: 'string', describe: 'Config file (YAML or JSON)', demandOption: true } },
    options: {
      format: { choices: ['table', 'json'], default: 'table', describe: 'table: a readable table on stdout; json: only the report on stdout' },
      out: { type: 'string', describe: 'Also write the JSON report to this file' },
      seed: { type: 'string', describe: "Override the config's seed (a non-negative integer)", coerce: (v: unknown) => (v === undefined ? v : parseSeed(v)) },
      color: { type: 'boolean', describe: 'Force colour on or off (default: on when stdout is a TTY and NO_COLOR is unset)' },
      debug: { type: 'boolean', default: false, describe: 'Show debug logs and stack traces' },
    },
    handler: async (a, io) => {
      const { runCommand } = await import('./commands/run.js');
      return runCommand({ config: str(a.config), format: a.format as 'table' | 'json', out: optStr(a.out), seed: a.seed as number | undefined, color: a.color as boolean | undefined, debug: a.debug as boolean }, io);
    },
  },
  {
    command: 'validate <config>', describe: 'Check a config, its plugins and every option without reading data',
    positionals: { config: { type: 'string', demandOption: true, describe: 'Config file (YAML or JSON)' } },
    options: { debug: { type: 'boolean', default: false } },
    handler: async (a, io) => {
      const { validateCommand } = await import('./commands/validate.js');
      return validateCommand({ config: str(a.config), debug: a.debug as boolean }, io);
    },
  },
  {
    command: 'dashboard <config>', describe: 'Write a Grafana dashboard (JSON model) for a config, querying what its prometheus sink exports',
    positionals: { config: { type: 'string', demandOption: true, describe: 'Config file (YAML or JSON)' } },
    options: {
      out: { type: 'string', describe: 'Write the dashboard JSON here instead of stdout' },
      provisioning: { type: 'string', describe: 'Also write a Grafana dashboard provisioning file (YAML) here' },
      debug: { type: 'boolean', default: false },
    },
    handler: async (a, io) => {
      const { dashboardCommand } = await import('./commands/dashboard.js');
      return dashboardCommand({ config: str(a.config), out: optStr(a.out), provisioning: optStr(a.provisioning), debug: a.debug as boolean }, io);
    },
  },
  {
    command: 'watch <config>', describe: 'Watch live traffic: evaluate each window of a followed JSONL file or the http source, store it in the history, export it and alert; SIGTERM stores the open window',
    positionals: { config: { type: 'string', demandOption: true, describe: 'Config file (YAML or JSON) with windows:' } },
    options: { debug: { type: 'boolean', default: false, describe: 'Show debug logs and stack traces' } },
    handler: async (a, io) => {
      const { watchCommand } = await import('./commands/watch.js');
      return watchCommand({ config: str(a.config), debug: a.debug as boolean }, io);
    },
  },
  {
    command: 'history <config>', describe: 'Show the windows stored for a config (and metric trends); works while vigia watch runs',
    positionals: { config: { type: 'string', demandOption: true, describe: 'Config file (YAML or JSON)' } },
    options: {
      since: { type: 'string', describe: 'Only windows ending at or after this time (ISO) or this long ago (30m, 2h, 7d)' },
      format: { choices: ['table', 'json'], default: 'table', describe: 'table: windows and trends; json: { windows: [...] }' },
      debug: { type: 'boolean', default: false },
    },
    handler: async (a, io) => {
      const { historyCommand } = await import('./commands/history.js');
      return historyCommand({ config: str(a.config), since: optStr(a.since), format: a.format as 'table' | 'json', debug: a.debug as boolean }, io);
    },
  },
  {
    command: 'plugins', describe: 'List plugin packages (built-in and installed) and every component with its options and defaults',
    positionals: {},
    options: {
      config: { type: 'string', describe: "Also load the external plugins of this config's plugins: list" },
      json: { type: 'boolean', default: false, describe: 'Machine-readable output' },
      packages: { type: 'boolean', default: false, describe: 'Only the plugin packages: built-ins and installed dependencies with the vigia-plugin keyword' },
      debug: { type: 'boolean', default: false },
    },
    handler: async (a, io) => {
      const { pluginsCommand } = await import('./commands/plugins.js');
      return pluginsCommand({ config: optStr(a.config), json: a.json as boolean, packages: a.packages as boolean, debug: a.debug as boolean }, io);
    },
  },
  {
    command: 'schema', describe: 'Print the JSON Schema of configs (core + every component), for editors',
    positionals: {},
    options: {
      config: { type: 'string', describe: "Also include the external plugins of this config's plugins: list" },
      debug: { type: 'boolean', default: false },
    },
    handler: async (a, io) => {
      const { schemaCommand } = await import('./commands/schema.js');
      return schemaCommand({ config: optStr(a.config), debug: a.debug as boolean }, io);
    },
  },
  {
    command: 'new <what> <name>', describe: 'Create a plugin package: vigia new plugin NAME [--dir DIR] [--link [PATH]]',
    positionals: {
      what: { type: 'string', choices: ['plugin'], demandOption: true, describe: 'What to create' },
      name: { type: 'string', demandOption: true, describe: 'Plugin name: acme → vigia-plugin-acme (scopes kept: @team/acme)' },
    },
    options: {
      dir: { type: 'string', describe: 'Directory to create (default: ./vigia-plugin-NAME)' },
      link: { type: 'string', describe: 'Take @vigia/* from a Vigia source checkout or a folder of packed tarballs (pnpm release:pack) instead of the npm registry; without PATH, the checkout this vigia runs from' },
      force: { type: 'boolean', default: false, describe: 'Write into a non-empty directory' },
    },
    handler: async (a, io) => {
      const { newCommand } = await import('./commands/new.js');
      return newCommand({ what: str(a.what), name: str(a.name), dir: optStr(a.dir), link: optStr(a.link), force: a.force as boolean }, io);
    },
  },
];

const NO_COMMAND = 'Name a command: run, validate, watch, history, dashboard, plugins, schema or new.';
const commandName = (c: CommandSpec) => c.command.split(' ')[0]!;
/** The arguments a handler receives: each positional and option by name (yargs' parse, picked). */
export const pickArgs = (c: CommandSpec, parsed: Args): Args =>
  Object.fromEntries([...Object.keys(c.positionals), ...Object.keys(c.options)].map((k) => [k, parsed[k]]));

/**
 * The fast path for well-formed command lines: `argv` read with the commands' own definitions into
 * the arguments yargs would give the handler, or undefined whenever yargs might read it otherwise
 * or has something to say (help, version, an unknown or repeated option, a missing or extra
 * positional, a value outside its choices, `--`, short flags, `--opt=` …). Those go to yargs, so
 * every message, help text and exit code stays yargs' own; a test checks both agree on generated
 * command lines. Loading yargs was most of `vigia --help` and a large share of a small run.
 */
export function parseFast(argv: readonly string[]): { command: CommandSpec; args: Args } | undefined {
  const command = COMMANDS.find((c) => commandName(c) === argv[0]);
  if (!command) return undefined;
  const positionals: string[] = [];
  const given: Args = {};
  const plain = (t: string | undefined) => t !== undefined && t !== '' && !t.startsWith('-');
  for (let i = 1; i < argv.length; i++) {
    const token = argv[i]!;
    if (!token.startsWith('-')) {
      if (token === '') return undefined;
      positionals.push(token);
      continue;
    }
    const m = /^--(no-)?([a-z]+)(?:=(.*))?$/s.exec(token);
    if (!m) return undefined;
    const [, negated, name, inline] = m;
    const spec = command.options[name!];
    if (!spec || Object.hasOwn(given, name!)) return undefined;
    if (spec.type === 'boolean') {
      if (negated) {
        if (inline !== undefined) return undefined;
        given[name!] = false;
      } else if (inline !== undefined) {
        if (inline !== 'true' && inline !== 'false') return undefined;
        given[name!] = inline === 'true';
      } else {
        // yargs would take a following `true`/`false` as the value: let it.
        if (argv[i + 1] === 'true' || argv[i + 1] === 'false') return undefined;
        given[name!] = true;
      }
    } else {
      if (negated) return undefined;
      let value = inline;
      if (value === undefined) {
        if (!plain(argv[i + 1])) return undefined;
        value = argv[++i]!;
      }
      if (value === '' || /^\s|\s$/.test(value)) return undefined;
      if (spec.choices && !spec.choices.includes(value)) return undefined;
      given[name!] = value;
    }
  }
  const names = Object.keys(command.positionals);
  if (positionals.length !== names.length) return undefined;
  const args: Args = {};
  try {
    names.forEach((name, i) => {
      const spec = command.positionals[name]!;
      if (spec.choices && !spec.choices.includes(positionals[i]!)) throw new UsageError(name);
      args[name] = positionals[i];
    });
    for (const [name, spec] of Object.entries(command.options)) {
      const value = Object.hasOwn(given, name) ? given[name] : spec.default;
      args[name] = spec.coerce ? spec.coerce(value) : value;
    }
  } catch {
    return undefined;
  }
  return { command, args };
}

/**
 * Whether yargs would print its help in English (its texts follow LC_ALL, LC_MESSAGES, LANG,
 * LANGUAGE): only then is the stored help text the one yargs would print.
 */
function englishHelp(env: NodeJS.ProcessEnv): boolean {
  const locale = (env.LC_ALL || env.LC_MESSAGES || env.LANG || env.LANGUAGE || 'en_US').replace(/[.:].*/, '');
  return locale === '' || locale === 'C' || locale === 'POSIX' || locale === 'en' || locale.startsWith('en_');
}

/** The help text stored for `argv` (`--help`, `run -h`, …), when yargs would print exactly that. */
function storedHelp(argv: readonly string[]): string | undefined {
  if (argv.length === 0 || argv.length > 2) return undefined;
  const flag = argv.at(-1);
  if (flag !== '--help' && flag !== '-h') return undefined;
  if (helpWidth() !== HELP_WIDTH || !englishHelp(process.env)) return undefined;
  return HELP_TEXTS[argv.length === 1 ? '' : argv[0]!];
}

const helpWidth = () => Math.min(100, process.stdout.columns || 100);

/**
 * Parse `argv` with yargs (loaded only for help, version and the command lines the fast path
 * leaves to it); on success `onCommand` runs the command. Resolves to 0, or 2 on a usage error.
 */
async function parseWithYargs(argv: string[], io: Io, onCommand: (command: CommandSpec, parsed: Args) => Promise<void>, width = helpWidth()): Promise<number> {
  const { default: yargs } = await import('yargs');
  let parser = yargs(argv)
    .scriptName('vigia')
    .usage('$0 <command> [options]\n\nEvaluate LLM logs for drift, bias and anomalies from a declarative config.');
  for (const c of COMMANDS) {
    parser = parser.command(c.command, c.describe, (y) => {
      let b = y;
      for (const [name, spec] of Object.entries(c.positionals)) b = b.positional(name, { ...spec, choices: spec.choices as string[] | undefined });
      for (const [name, spec] of Object.entries(c.options)) b = b.option(name, { ...spec, choices: spec.choices as string[] | undefined });
      return b;
    }, async (args) => onCommand(c, args as Args));
  }
  parser = parser
    .demandCommand(1, NO_COMMAND)
    .strict()
    .epilogue('Exit codes: 0 passed or warned, 1 a detector failed, 2 usage or config error, 3 runtime or data error.\nDocs: docs/getting-started.md, docs/config-reference.md')
    .help()
    .alias('h', 'help')
    .version(cliVersion())
    .wrap(width)
    .exitProcess(false)
    .fail((message, error) => {
      // Throwing stops yargs before any command handler runs on invalid arguments.
      throw error ?? new UsageError(message);
    });
  skipHelpCaching(parser);
  let helpShown = false;
  let usageError: string | undefined;
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
  return 0;
}

/**
 * Run the CLI with `argv` (without node and script); resolves to the exit code (contract: 0/1/2/3).
 * Well-formed command lines, `--help`, `--version` and no command at all are answered without
 * loading yargs (same output, same codes); everything else is parsed by yargs.
 */
export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const fast = parseFast(argv);
  if (fast) {
    try {
      return await fast.command.handler(fast.args, io);
    } catch (error) {
      // As under yargs, which reports a handler's throw like a usage error.
      io.stderr(`vigia: ${error instanceof Error ? error.message : String(error)}\nRun vigia --help for usage.\n`);
      return 2;
    }
  }
  if (argv.length === 0) {
    io.stderr(`vigia: ${NO_COMMAND}\nRun vigia --help for usage.\n`);
    return 2;
  }
  if (argv.length === 1 && argv[0] === '--version') {
    io.stdout(`${cliVersion()}\n`);
    return 0;
  }
  const help = storedHelp(argv);
  if (help !== undefined) {
    io.stdout(help + '\n');
    return 0;
  }
  return yargsMain(argv, io);
}

/**
 * The CLI as yargs alone parses it (what the stored help texts and the fast path are tested
 * against). `onCommand` replaces the command handlers (tests: to see the arguments they get);
 * `width` overrides the terminal's.
 */
export async function yargsMain(argv: string[], io: Io = defaultIo(), options: { onCommand?: (command: CommandSpec, args: Args) => Promise<number>; width?: number } = {}): Promise<number> {
  let exitCode = 0;
  const code = await parseWithYargs(argv, io, async (command, parsed) => {
    const args = pickArgs(command, parsed);
    exitCode = options.onCommand ? await options.onCommand(command, args) : await command.handler(args, io);
  }, options.width);
  return code === 0 ? exitCode : code;
}

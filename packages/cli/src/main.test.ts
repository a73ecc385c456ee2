import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COMMANDS, main, parseFast, yargsMain, type Io } from './main.js';

function capture(): Io & { out: () => string } {
  let text = '';
  return {
    stdout: (t) => (text += t), stderr: (t) => (text += `[err]${t}`), stderrIsTTY: false, stdoutIsTTY: false, env: {}, cwd: process.cwd(),
    out: () => text,
  };
}

/** yargs' reading of `argv`: the command and the arguments its handler would get, or the exit code and output. */
async function viaYargs(argv: string[]): Promise<{ command?: string; args?: Record<string, unknown>; code: number; output: string }> {
  const io = capture();
  let seen: { command: string; args: Record<string, unknown> } | undefined;
  const code = await yargsMain(argv, io, {
    width: 100,
    onCommand: async (command, args) => {
      seen = { command: command.command, args };
      return 0;
    },
  });
  return { ...seen, code, output: io.out() };
}

const optionNames = [...new Set(COMMANDS.flatMap((c) => Object.keys(c.options))), 'bogus', 'fromat'];
const values = ['json', 'table', 'xml', '42', '007', '-1', ' 7', '1e3', 'true', 'false', '', 'a.yaml', 'x=y', 'plugin', '@team/acme', '-'];
const token = fc.oneof(
  fc.constantFrom('a.yaml', 'b.json', 'plugin', 'acme', '1', '0x10', 'true', '', '-', '--', '-h', '--help', '--version', '-x', 'a b', 'run'),
  fc.tuple(fc.constantFrom(...optionNames), fc.constantFrom('--', '--no-')).map(([n, p]) => `${p}${n}`),
  fc.tuple(fc.constantFrom(...optionNames), fc.constantFrom(...values)).map(([n, v]) => `--${n}=${v}`),
  fc.constantFrom(...values),
);
const commandLine = fc.tuple(
  fc.constantFrom(...COMMANDS.map((c) => c.command.split(' ')[0]!), 'bogus'),
  fc.array(token, { maxLength: 6 }),
).map(([c, rest]) => [c, ...rest]);

describe('the fast path reads command lines as yargs does', () => {
  it('agrees with yargs on every command line it accepts (and leaves the rest to yargs)', async () => {
    let accepted = 0;
    await fc.assert(fc.asyncProperty(commandLine, async (argv) => {
      const fast = parseFast(argv);
      if (!fast) return;
      accepted++;
      const y = await viaYargs(argv);
      expect({ code: y.code, output: y.output, command: y.command, args: y.args }, argv.join(' ')).toEqual({ code: 0, output: '', command: fast.command.command, args: fast.args });
    }), { numRuns: 1500, seed: 14 });
    expect(accepted).toBeGreaterThan(50);
  });

  it('accepts the usual forms', async () => {
    for (const argv of [
      ['run', 'a.yaml'], ['run', 'a.yaml', '--format', 'json', '--out', 'r.json', '--seed', '7', '--no-color', '--debug'],
      ['run', '--format=json', 'a.yaml'], ['validate', 'a.yaml'], ['plugins', '--json'], ['schema'], ['history', 'a.yaml', '--since', '2h'],
      ['new', 'plugin', 'acme', '--dir', 'x', '--link', '../vigia'], ['dashboard', 'a.yaml', '--out', 'd.json'], ['watch', 'a.yaml'],
    ]) {
      const fast = parseFast(argv);
      expect(fast, argv.join(' ')).toBeDefined();
      const y = await viaYargs(argv);
      expect(fast!.args, argv.join(' ')).toEqual(y.args);
    }
    expect(parseFast(['run', 'a.yaml', '--seed', '7'])!.args.seed).toBe(7);
  });

  it('answers no command, --version and help as yargs does', async () => {
    const saved = process.env.LC_ALL;
    process.env.LC_ALL = 'en_US.UTF-8';
    try {
      for (const argv of [[], ['--version'], ['--help'], ['-h'], ...COMMANDS.flatMap((c) => [[c.command.split(' ')[0]!, '--help'], [c.command.split(' ')[0]!, '-h']])]) {
        const a = capture(), b = capture();
        const fast = await main(argv, a);
        const slow = await yargsMain(argv, b, { width: 100 });
        expect({ code: fast, out: a.out() }, argv.join(' ')).toEqual({ code: slow, out: b.out() });
      }
    } finally {
      if (saved === undefined) delete process.env.LC_ALL;
      else process.env.LC_ALL = saved;
    }
  });
});

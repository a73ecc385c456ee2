#!/usr/bin/env node
// The `vigia` executable: parse arguments, then load only what the command needs (the core and
// the built-in plugins are imported lazily, so `vigia --help` starts fast). `#main` is the
// bundled main module (package.json "imports"; scripts/bundle-packages.mjs): one file to load
// instead of one per module. With --debug, stack traces point at the TypeScript sources.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
const { main } = await import('#main');

main(process.argv.slice(2)).then(
  (code) => {
    // Leave once output is flushed, even if a timed-out plugin left a handle open.
    process.exitCode = code;
    const exit = () => process.exit(code);
    if (process.stdout.writableLength > 0) process.stdout.once('drain', exit);
    else setImmediate(exit);
  },
  (error: unknown) => {
    process.stderr.write(`vigia: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(3);
  },
);

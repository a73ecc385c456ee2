import { defineSink, type Report } from '@vigia/core';
import { writeFileAtomic } from './write.js';

export const jsonSink = defineSink({
  description: 'Writes the report (the JSON report contract) to a file, pretty-printed and atomically (temp file + rename); parent directories are created.',
  options: {
    type: 'object',
    properties: {
      path: { type: 'string', minLength: 1, description: 'Report file, relative to the config file.' },
      indent: { type: 'integer', minimum: 0, maximum: 8, default: 2, description: 'Spaces of indentation; 0 writes one compact line.' },
    },
    required: ['path'],
    additionalProperties: false,
  },
  example: { path: 'out/report.json' },
  create: (options, ctx) => {
    const resolved = ctx.resolvePath(options.path);
    return {
      async report(report: Report) {
        await writeFileAtomic(resolved, `${JSON.stringify(report, null, options.indent || undefined)}\n`, 'json sink', options.path);
      },
    };
  },
});

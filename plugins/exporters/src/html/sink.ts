import { defineSink, type Report } from '@vigia/core';
import { writeFileAtomic } from '@vigia/plugin-sinks';
import { renderHtml } from './report.js';

export const htmlSink = defineSink({
  description: 'Writes one self-contained HTML report (no script, no network request): a summary, then a section per detector (data-detector="<id>") with inline SVG charts of its details, and the metrics with their histograms.',
  options: {
    type: 'object',
    properties: {
      path: { type: 'string', minLength: 1, description: 'HTML file, relative to the config file (e.g. `out/report.html`).' },
      title: { type: 'string', minLength: 1, description: 'Page title (default: `Vigia report: <config name>`).' },
    },
    required: ['path'],
    additionalProperties: false,
  },
  example: { path: 'out/report.html' },
  create: (options, ctx) => {
    const resolved = ctx.resolvePath(options.path);
    return {
      async report(report: Report) {
        await writeFileAtomic(resolved, renderHtml(report, { title: options.title }), 'html sink', options.path);
      },
    };
  },
});

import { resolve } from 'node:path';
import { planFromFile, VigiaError } from '@vigia/core';
import type { Io } from '../main.js';
import { builtinRegistry, reportError } from '../shared.js';

/** `vigia dashboard CONFIG [--out FILE] [--provisioning FILE]`: a Grafana dashboard for the config. */
export async function dashboardCommand(args: { config: string; out?: string; provisioning?: string; debug: boolean }, io: Io): Promise<number> {
  try {
    const plan = await planFromFile(args.config, await builtinRegistry(), { env: io.env, cwd: io.cwd });
    const { grafanaDashboard, provisioningYaml } = await import('@vigia/plugin-exporters');
    const { writeFileAtomic } = await import('@vigia/plugin-sinks');
    const dashboard = grafanaDashboard({
      name: plan.config.name,
      detectors: plan.detectors.map((d) => ({ id: d.id, use: d.use })),
      metrics: plan.metrics.map((m) => ({ id: m.id, use: m.use, options: m.options as Record<string, unknown> })),
    });
    const text = `${JSON.stringify(dashboard, null, 2)}\n`;
    const write = async (path: string, content: string, what: string) => {
      try {
        await writeFileAtomic(resolve(io.cwd, path), content, what, path);
      } catch (error) {
        throw new VigiaError('VIGIA_RUNTIME', error instanceof Error ? error.message : String(error), { cause: error });
      }
    };
    if (args.out) {
      await write(args.out, text, 'dashboard');
      io.stderr(`wrote the Grafana dashboard "${String(dashboard.title)}" (${(dashboard.panels as unknown[]).length} panels) to ${args.out}\n`);
    } else {
      io.stdout(text);
    }
    if (args.provisioning) {
      await write(args.provisioning, provisioningYaml(), 'provisioning file');
      io.stderr(`wrote a Grafana dashboard provisioning file to ${args.provisioning}\n`);
    }
    if (!plan.sinks.some((s) => s.use === 'prometheus')) {
      io.stderr('note: this config has no prometheus sink, so nothing feeds this dashboard yet; add one (see plugins/exporters/README.md)\n');
    }
    return 0;
  } catch (error) {
    return reportError(error, io, args.debug);
  }
}

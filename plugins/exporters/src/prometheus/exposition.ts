import type { Metric, Registry } from 'prom-client';
import type { Family } from './model.js';

// prom-client loads on first use, so `vigia` commands that export nothing do not pay for it.
let promClient: Promise<typeof import('prom-client')> | undefined;
const loadPromClient = () => (promClient ??= import('prom-client').then((m) => ((m as unknown as { default?: typeof import('prom-client') }).default ?? m)));

/**
 * A metric family as prom-client's registry reads it (`get()`), so prom-client writes the
 * exposition text (escaping, HELP/TYPE lines) for values Vigia computed itself, such as
 * histograms whose buckets were counted by a metric rather than observed here.
 */
class StaticMetric {
  constructor(private readonly family: Family) {}
  get name(): string {
    return this.family.name;
  }
  get help(): string {
    return this.family.help;
  }
  get type(): string {
    return this.family.type;
  }
  get() {
    return {
      name: this.family.name,
      help: this.family.help,
      type: this.family.type,
      aggregator: 'omit',
      values: this.family.samples.map((s) => ({ value: s.value, labels: s.labels, metricName: s.name })),
    };
  }
}

/** A prom-client registry holding exactly these families. */
export async function registryOf(families: readonly Family[]): Promise<Registry> {
  const client = await loadPromClient();
  const registry = new client.Registry();
  for (const f of families) registry.registerMetric(new StaticMetric(f) as unknown as Metric);
  return registry;
}

/** The Prometheus text exposition format (0.0.4) of these families. */
export async function exposition(families: readonly Family[]): Promise<string> {
  return (await registryOf(families)).metrics();
}

/** prom-client's `Registry.PROMETHEUS_CONTENT_TYPE`. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

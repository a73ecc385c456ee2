import { dirname, resolve } from 'node:path';
import { CORE_VERSION, findInstalledPlugins, findProjectDir, normalizeOptionsSchema, planFromFile, type Plan, type RegisteredComponent } from '@vigia/core';
import type { Io } from '../main.js';
import { builtinRegistry, reportError } from '../shared.js';

interface OptionInfo {
  name: string;
  type: string;
  required: boolean;
  default?: unknown;
  description?: string;
}

/** The options of a component, flattened from its schema for display. */
export function describeOptions(component: RegisteredComponent): OptionInfo[] {
  const schema = normalizeOptionsSchema(component.def.options) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(schema.properties ?? {}).map(([name, p]) => ({
    name,
    type: typeOf(p),
    required: (schema.required ?? []).includes(name),
    ...(p.default !== undefined ? { default: p.default } : {}),
    ...(typeof p.description === 'string' ? { description: p.description } : {}),
  }));
}

function typeOf(p: Record<string, unknown>): string {
  if (Array.isArray(p.enum)) return p.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (p.const !== undefined) return JSON.stringify(p.const);
  if (Array.isArray(p.type)) return p.type.join(' | ');
  if (typeof p.type === 'string') {
    if (p.type === 'array' && p.items && typeof p.items === 'object') return `${typeOf(p.items as Record<string, unknown>)}[]`;
    return p.type;
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(p[key])) return (p[key] as Record<string, unknown>[]).map(typeOf).join(' | ');
  }
  return 'any';
}

interface PackageInfo {
  name: string;
  source: 'built-in' | 'installed';
  version?: string;
  coreRange?: string;
  compatible: boolean;
  used?: boolean;
  description?: string;
}

/** Which plugin packages exist: the built-ins, and the dependencies with the vigia-plugin keyword (manifests only, no code run). */
function pluginPackages(registry: Awaited<ReturnType<typeof builtinRegistry>>, projectDir: string, plan: Plan | undefined): PackageInfo[] {
  const usedPlugins = new Set<string>();
  if (plan) {
    for (const c of [...plan.datasets, ...plan.embedders, ...plan.providers, ...plan.detectors, ...plan.metrics, ...plan.sinks]) usedPlugins.add(c.component.plugin);
  }
  const named = new Set(plan?.config.plugins ?? []);
  const out: PackageInfo[] = registry.plugins().filter((p) => p.builtin).map((p) => ({
    name: p.name, source: 'built-in' as const, compatible: true, ...(plan ? { used: usedPlugins.has(p.name) } : {}),
  }));
  const builtins = new Set(out.map((p) => p.name));
  for (const p of findInstalledPlugins(projectDir).filter((p) => !builtins.has(p.name))) {
    out.push({
      name: p.name, source: 'installed', version: p.version, ...(p.coreRange ? { coreRange: p.coreRange } : {}), compatible: p.compatible,
      ...(plan ? { used: named.has(p.name) || usedPlugins.has(p.name) } : {}),
      ...(p.description ? { description: p.description } : {}),
    });
  }
  return out;
}

export async function pluginsCommand(args: { config?: string; json: boolean; packages?: boolean; debug: boolean }, io: Io): Promise<number> {
  try {
    const registry = await builtinRegistry();
    const plan = args.config ? await planFromFile(args.config, registry, { env: io.env, cwd: io.cwd }) : undefined;
    const projectDir = args.config ? dirname(resolve(io.cwd, args.config)) : io.cwd;
    const packages = pluginPackages(registry, projectDir, plan);
    const usedComponents = new Set(plan ? [...plan.datasets, ...plan.embedders, ...plan.providers, ...plan.detectors, ...plan.metrics, ...plan.sinks].map((c) => `${c.kind}:${c.use}`) : []);
    const components = registry.list();
    if (args.json) {
      if (args.packages) {
        io.stdout(JSON.stringify({ core: CORE_VERSION, packages }, null, 2) + '\n');
        return 0;
      }
      io.stdout(JSON.stringify(components.map((c) => ({
        kind: c.kind, name: c.name, plugin: c.plugin, builtin: c.builtin, description: c.def.description, needs: c.def.needs ?? [], options: describeOptions(c),
        ...(plan ? { used: usedComponents.has(`${c.kind}:${c.name}`) } : {}),
      })), null, 2) + '\n');
      return 0;
    }
    const lines: string[] = [`PLUGIN PACKAGES (@vigia/core ${CORE_VERSION})`];
    const width = Math.max(...packages.map((p) => p.name.length + (p.version ? p.version.length + 1 : 0)));
    for (const p of packages) {
      const label = `${p.name}${p.version ? ` ${p.version}` : ''}`.padEnd(width);
      const range = p.coreRange ? `  @vigia/core ${p.coreRange}${p.compatible ? '' : ` — does not fit ${CORE_VERSION}, will not load`}` : '';
      lines.push(`  ${label}  ${p.source}${range}${p.used ? '  [used by the config]' : ''}`);
    }
    if (!packages.some((p) => p.source === 'installed')) lines.push(`  (no installed plugin packages: dependencies with the "vigia-plugin" keyword in ${findProjectDir(projectDir) ?? projectDir}/package.json)`);
    if (args.packages) {
      io.stdout(lines.join('\n') + '\n');
      return 0;
    }
    let kind = '';
    for (const c of components) {
      if (c.kind !== kind) {
        kind = c.kind;
        lines.push('', `${kind.toUpperCase()}S`);
      }
      const used = usedComponents.has(`${c.kind}:${c.name}`) ? '  [used]' : '';
      lines.push(`  ${c.name}  (${c.plugin}${c.def.needs?.length ? `; needs ${c.def.needs.join(', ')}` : ''})${used}`, `    ${c.def.description}`);
      for (const o of describeOptions(c)) {
        const def = o.default !== undefined ? ` = ${JSON.stringify(o.default)}` : o.required ? ' (required)' : '';
        lines.push(`    - ${o.name}: ${o.type}${def}${o.description ? `  ${o.description}` : ''}`);
      }
    }
    io.stdout(lines.join('\n') + '\n');
    return 0;
  } catch (error) {
    return reportError(error, io, args.debug);
  }
}

import { normalizeOptionsSchema, planFromFile, type RegisteredComponent } from '@vigia/core';
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

export async function pluginsCommand(args: { config?: string; json: boolean; debug: boolean }, io: Io): Promise<number> {
  try {
    const registry = await builtinRegistry();
    if (args.config) await planFromFile(args.config, registry, { env: io.env, cwd: io.cwd });
    const components = registry.list();
    if (args.json) {
      io.stdout(JSON.stringify(components.map((c) => ({ kind: c.kind, name: c.name, plugin: c.plugin, builtin: c.builtin, description: c.def.description, needs: c.def.needs ?? [], options: describeOptions(c) })), null, 2) + '\n');
      return 0;
    }
    let kind = '';
    const lines: string[] = [];
    for (const c of components) {
      if (c.kind !== kind) {
        kind = c.kind;
        lines.push('', `${kind.toUpperCase()}S`);
      }
      lines.push(`  ${c.name}  (${c.plugin}${c.def.needs?.length ? `; needs ${c.def.needs.join(', ')}` : ''})`, `    ${c.def.description}`);
      for (const o of describeOptions(c)) {
        const def = o.default !== undefined ? ` = ${JSON.stringify(o.default)}` : o.required ? ' (required)' : '';
        lines.push(`    - ${o.name}: ${o.type}${def}${o.description ? `  ${o.description}` : ''}`);
      }
    }
    io.stdout(lines.join('\n').trimStart() + '\n');
    return 0;
  } catch (error) {
    return reportError(error, io, args.debug);
  }
}

/**
 * Plugin packages as npm sees them: their manifests (read, never executed), the `@vigia/core`
 * range they declare, and discovery by the `vigia-plugin` keyword among a project's dependencies.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type SemverModule from 'semver';
import { CORE_API_VERSION } from './contracts.js';
import { ConfigError } from './errors.js';

/**
 * semver, loaded on first use: only external plugins' manifests need it, and importing it costs a
 * noticeable share of every CLI start.
 */
let semverModule: typeof SemverModule | undefined;
const require = createRequire(import.meta.url);
function semverLib(): typeof SemverModule {
  return (semverModule ??= require('semver') as typeof SemverModule);
}

/** The keyword that marks an npm package as a Vigia plugin (`vigia plugins` lists such dependencies). */
export const PLUGIN_KEYWORD = 'vigia-plugin';

function readCoreVersion(): string {
  try {
    // ../package.json from both src/ (tests) and dist/ (installed).
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** The version of this @vigia/core, which plugins' `peerDependencies` ranges are checked against. */
export const CORE_VERSION: string = readCoreVersion();

/** What a plugin package's package.json says about it. */
export interface PluginManifest {
  name: string;
  version: string;
  description?: string;
  keywords: string[];
  /** `peerDependencies["@vigia/core"]`, when declared. */
  coreRange?: string;
  /** `vigia.apiVersion` in package.json, when declared (the code's `apiVersion` is what counts at load). */
  apiVersion?: number;
  dir: string;
}

/** Read a package's manifest; undefined when `dir` has no readable package.json. */
export function readPluginManifest(dir: string): PluginManifest | undefined {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return undefined;
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const peers = (pkg.peerDependencies ?? {}) as Record<string, unknown>;
  const vigia = (pkg.vigia ?? {}) as Record<string, unknown>;
  return {
    name: typeof pkg.name === 'string' ? pkg.name : dir,
    version: typeof pkg.version === 'string' ? pkg.version : '0.0.0',
    ...(typeof pkg.description === 'string' ? { description: pkg.description } : {}),
    keywords: Array.isArray(pkg.keywords) ? pkg.keywords.filter((k): k is string => typeof k === 'string') : [],
    ...(typeof peers['@vigia/core'] === 'string' ? { coreRange: peers['@vigia/core'] } : {}),
    ...(typeof vigia.apiVersion === 'number' ? { apiVersion: vigia.apiVersion } : {}),
    dir,
  };
}

/** Whether this core's version is inside a range (`workspace:` ranges of a source checkout always fit). */
export function coreFits(range: string, version = CORE_VERSION): boolean {
  if (range.startsWith('workspace:') || range.startsWith('link:') || range.startsWith('file:')) return true;
  if (!semverLib().validRange(range)) return false;
  return semverLib().satisfies(version, range, { includePrerelease: true });
}

/**
 * Throw a config error (exit 2) when a plugin package declares a `@vigia/core` range that excludes
 * this core, saying which versions fit. Called before the plugin's code is imported.
 */
export function checkCoreRange(manifest: PluginManifest, version = CORE_VERSION): void {
  const range = manifest.coreRange;
  if (range === undefined) return;
  if (!range.startsWith('workspace:') && !range.startsWith('link:') && !range.startsWith('file:') && !semverLib().validRange(range)) {
    throw new ConfigError('VIGIA_PLUGIN_API_VERSION', `plugin "${manifest.name}" ${manifest.version} declares peerDependencies["@vigia/core"] = "${range}", which is not a valid semver range; its author should fix package.json (e.g. "^${semverLib().major(version)}.${semverLib().minor(version)}.0")`);
  }
  if (coreFits(range, version)) return;
  const normalized = new (semverLib().Range)(range).range || '*';
  const api = manifest.apiVersion !== undefined && manifest.apiVersion !== CORE_API_VERSION ? ` (it also targets plugin API ${manifest.apiVersion}; this core provides API ${CORE_API_VERSION})` : '';
  throw new ConfigError('VIGIA_PLUGIN_API_VERSION',
    `plugin "${manifest.name}" ${manifest.version} supports @vigia/core ${range} (versions ${normalized}), but this Vigia has @vigia/core ${version}${api}; ` +
    `install a release of "${manifest.name}" whose peerDependencies range includes ${version}, or a Vigia whose core version is in ${range}`);
}

/** A plugin package found among a project's dependencies. */
export interface InstalledPlugin extends PluginManifest {
  /** Whether its `@vigia/core` range includes this core (true when it declares none). */
  compatible: boolean;
}

/** The nearest directory at or above `start` holding a package.json. */
export function findProjectDir(start: string): string | undefined {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Plugin packages among the dependencies of the project at or above `start`: every dependency
 * (dependencies, devDependencies, optionalDependencies) whose package.json has the `vigia-plugin`
 * keyword. Only manifests are read; no plugin code runs.
 */
export function findInstalledPlugins(start: string): InstalledPlugin[] {
  const project = findProjectDir(start);
  if (!project) return [];
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return [];
  }
  const names = new Set<string>();
  for (const key of ['dependencies', 'devDependencies', 'optionalDependencies']) {
    for (const name of Object.keys((pkg[key] ?? {}) as Record<string, unknown>)) names.add(name);
  }
  const found: InstalledPlugin[] = [];
  for (const name of [...names].sort()) {
    const dir = packageDir(name, project);
    const manifest = dir ? readPluginManifest(dir) : undefined;
    if (!manifest || !manifest.keywords.includes(PLUGIN_KEYWORD)) continue;
    found.push({ ...manifest, compatible: manifest.coreRange === undefined || coreFits(manifest.coreRange) });
  }
  return found;
}

/** The installed directory of package `name` seen from `from` (node_modules lookup, upwards). */
export function packageDir(name: string, from: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

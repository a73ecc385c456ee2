import { homedir } from 'node:os';
import { join } from 'node:path';

/** Resolve a path option: `~/…` is the user's home, anything else goes through the run's resolver (relative to the config file). */
export function resolveOptionPath(path: string, resolvePath: (p: string) => string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/') || path.startsWith('~\\')) return join(homedir(), path.slice(2));
  return resolvePath(path);
}

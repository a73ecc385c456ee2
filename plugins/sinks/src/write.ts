import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Write `text` to `path` atomically: parent directories are created, the text goes to a temp file
 * beside the target, which is then renamed over it, so a reader never sees half a report. Errors
 * name the path and the reason.
 */
export async function writeFileAtomic(path: string, text: string, what: string, shownPath = path): Promise<void> {
  const where = shownPath === path ? path : `${shownPath} (resolved to ${path})`;
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (error) {
    throw new Error(`${what}: cannot create the directory for ${where}: ${reason(error)}`, { cause: error });
  }
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text, 'utf8');
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new Error(`${what}: cannot write ${where}: ${reason(error)}`, { cause: error });
  }
}

function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const hints: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOTDIR: 'a parent of the path is a file, not a directory',
    EISDIR: 'the path is a directory',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EEXIST: 'a file is in the way of a directory',
  };
  return (e.code && hints[e.code]) ? `${hints[e.code]} (${e.code})` : (e.message ?? String(error));
}

/**
 * Writing output files (reports, JUnit XML) safely: only regular files are replaced, parent
 * directories are created one level at a time, and every failure is one clear message.
 *
 * Why not `mkdir({ recursive: true })` + `rename`: Node's recursive mkdir spins forever on paths
 * under `/proc` (the kernel answers ENOENT for every attempt), and `rename` over a device node or
 * a FIFO replaces it with a regular file (as root, `/dev/full` became an XML file).
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readlink, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Stats } from 'node:fs';

/** Pseudo file systems whose entries are not files a report can go to. */
const PSEUDO_ROOTS = ['/proc', '/sys'];

/** Why a file system call failed, in words, with what to do about it. */
export function describeFsError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const hints: Record<string, string> = {
    EACCES: 'permission denied; check the permissions of the path and its parent directories (ls -l)',
    EPERM: 'operation not permitted',
    ENOTDIR: 'a parent of the path is a file, not a directory',
    EISDIR: 'the path is a directory',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EEXIST: 'a file is in the way of a directory',
    ELOOP: 'too many symbolic links (a symlink loop?)',
    ENAMETOOLONG: 'the path is too long',
  };
  return e?.code && hints[e.code] ? `${hints[e.code]} (${e.code})` : (e?.message ?? String(error));
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

function underPseudo(path: string): string | undefined {
  return PSEUDO_ROOTS.find((root) => path === root || path.startsWith(`${root}/`));
}

/**
 * Create the missing directories above `file`, one level at a time, so a path that can never be
 * created (under `/proc`) fails at once instead of looping.
 */
async function ensureParent(file: string, what: string, where: string): Promise<void> {
  const missing: string[] = [];
  let dir = dirname(file);
  for (;;) {
    let info: Stats | undefined;
    try {
      info = await stat(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw new Error(`${what}: cannot write ${where}: ${describeFsError(error)}`, { cause: error });
    }
    if (info) {
      if (!info.isDirectory()) throw new Error(`${what}: cannot write ${where}: ${dir} is ${kindOf(info)}, not a directory`);
      break;
    }
    missing.push(dir);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const d of missing.reverse()) {
    const pseudo = underPseudo(d);
    if (pseudo) throw new Error(`${what}: cannot write ${where}: ${d} does not exist and cannot be created under ${pseudo}; write the file somewhere else`);
    try {
      await mkdir(d);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new Error(`${what}: cannot create the directory ${d} for ${where}: ${describeFsError(error)}`, { cause: error });
    }
  }
}

/**
 * Where a write to `path` must go: the path itself, or the file a symlink at it points to. Throws
 * when what is there is not a regular file (device, FIFO, directory, socket), when a symlink
 * dangles, or when the path is in a pseudo file system.
 */
async function writableTarget(path: string, what: string, where: string): Promise<string> {
  const pseudo = underPseudo(path);
  let target = path;
  let info: Stats | undefined;
  try {
    info = await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ENOTDIR') {
      throw new Error(`${what}: cannot write ${where}: ${describeFsError(error)}`, { cause: error });
    }
  }
  if (info?.isSymbolicLink()) {
    let real: Stats;
    try {
      real = await stat(path);
    } catch (error) {
      const link = await readlink(path).catch(() => '?');
      throw new Error(`${what}: cannot write ${where}: it is a symbolic link to ${link}, which does not exist (${describeFsError(error)}); fix or remove the link, or choose another path`, { cause: error });
    }
    if (!real.isFile()) throw new Error(`${what}: cannot write ${where}: it is a symbolic link to ${kindOf(real)}; reports are written only to regular files`);
    // Replace the file the link points to, keeping the link.
    target = resolve(dirname(path), await readlink(path));
    return target;
  }
  if (info && !info.isFile()) {
    throw new Error(`${what}: cannot write ${where}: it is ${kindOf(info)}; reports are written only to regular files (choose a file path)`);
  }
  if (pseudo) throw new Error(`${what}: cannot write ${where}: ${pseudo} is a pseudo file system, not a place for reports; choose a file path elsewhere`);
  return target;
}

/**
 * Write `text` to `path` atomically: the text goes to a temp file beside the target, which is then
 * renamed over it, so a reader never sees half a file. Only regular files are replaced; missing
 * parent directories are created. Errors name the path and say why and what to do.
 */
export async function writeFileSafely(path: string, text: string, what: string, shownPath = path): Promise<void> {
  const where = shownPath === path ? path : `${shownPath} (resolved to ${path})`;
  await ensureParent(path, what, where);
  const target = await writableTarget(path, what, where);
  if (target !== path) await ensureParent(target, what, where);
  const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    // O_EXCL: never follow or reuse something already at the temp name.
    const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    try {
      await writeFile(handle, text, 'utf8');
    } finally {
      await handle.close();
    }
    // Re-check right before the rename: the target may have changed since.
    await writableTarget(target, what, where);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    if (error instanceof Error && error.message.startsWith(`${what}: `)) throw error;
    throw new Error(`${what}: cannot write ${where}: ${describeFsError(error)}`, { cause: error });
  }
}

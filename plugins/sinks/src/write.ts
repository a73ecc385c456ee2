import { writeFileSafely } from '@vigia/core';

/**
 * Write `text` to `path` atomically (temp file beside it, then rename), creating parent
 * directories. Only regular files are written: a device node, FIFO, directory, dangling symlink or
 * a path under /proc is a clear error, never replaced. Errors name the path and the reason.
 */
export async function writeFileAtomic(path: string, text: string, what: string, shownPath = path): Promise<void> {
  await writeFileSafely(path, text, what, shownPath);
}

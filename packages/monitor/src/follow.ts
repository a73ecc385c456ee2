import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { projector, type SourceBatch, type SourcePosition, type VigiaRecord } from '@vigia/core';

/**
 * `follow: true` for JSON Lines: tail a growing file, or a directory of rotated files, from a
 * byte position, yielding batches whose `position` (`{ file, offset, line, ino }`, the byte offset
 * after the last complete line consumed) lets a restarted watcher resume exactly there.
 *
 * - A line is consumed only once its `\n` arrived, so a record being written is never read half.
 * - A single file that is rotated (renamed away and recreated) is drained to its end, then the new
 *   file is read from its start; one truncated in place is read again from the start (warned).
 * - A directory: its `*.jsonl` files in name order (timestamped names rotate in order); when the
 *   current file ends and a later one exists, reading moves on to the later one.
 * - A bad line cannot stop a long-running watcher: it is skipped and counted in the batch
 *   (`skipped`, with `file:line: reason` examples).
 */
export interface FollowOptions {
  /** A file, or a directory of rotated `*.jsonl` files. */
  path: string;
  from?: SourcePosition;
  batchSize?: number;
  /** Keep only these dotted fields. */
  fields?: readonly string[];
  /** Pause between looks for new data (ms). */
  pollMs?: number;
  signal?: AbortSignal;
  /** Problems worth a log line (truncation, a resume position whose file is gone). */
  warn?: (message: string) => void;
  /** Stop at the end of the data instead of waiting (tests, one-shot catch-up). */
  stopAtEnd?: boolean;
}

export interface FollowPosition {
  file: string;
  offset: number;
  line: number;
  ino?: number;
}

const CHUNK = 1 << 20;
const NL = 10;

function asPosition(p: SourcePosition | undefined): FollowPosition | undefined {
  if (!p || typeof p.file !== 'string' || typeof p.offset !== 'number') return undefined;
  return { file: p.file, offset: p.offset, line: typeof p.line === 'number' ? p.line : 0, ino: typeof p.ino === 'number' ? p.ino : undefined };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => /\.jsonl$/i.test(n)).sort();
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export async function* followJsonl(options: FollowOptions): AsyncGenerator<SourceBatch> {
  const batchSize = options.batchSize ?? 4096;
  const pollMs = options.pollMs ?? 100;
  const signal = options.signal;
  const warn = options.warn ?? (() => undefined);
  const project = options.fields ? projector(options.fields) : undefined;
  const dirMode = await isDirectory(options.path);
  const from = asPosition(options.from);

  // Which file to start with, and where.
  let file: string | undefined;
  let offset = 0;
  let line = 0;
  if (dirMode) {
    const files = await listFiles(options.path);
    if (from && files.includes(from.file)) {
      file = from.file;
      offset = from.offset;
      line = from.line;
    } else if (from) {
      // The file read last is gone (deleted by log retention): go on with the first one after it.
      file = files.find((f) => f > from.file);
      warn(`follow ${options.path}: ${from.file}, where reading stopped, is gone; going on with ${file ?? 'the next file to appear'}`);
    } else file = files[0];
  } else {
    file = basename(options.path);
    if (from) {
      offset = from.offset;
      line = from.line;
    }
  }
  const fullPath = (name: string) => (dirMode ? join(options.path, name) : options.path);

  let handle: FileHandle | undefined;
  let ino: number | undefined;
  const buffer = Buffer.allocUnsafe(CHUNK);
  let pending: Buffer = Buffer.alloc(0);
  let records: VigiaRecord[] = [];
  let skipped = 0;
  let examples: string[] = [];

  const openFile = async (name: string): Promise<boolean> => {
    try {
      handle = await open(fullPath(name), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    const st = await handle.stat();
    ino = st.ino;
    if (from && from.file === name && from.ino !== undefined && from.ino !== ino && offset > 0) {
      warn(`follow ${fullPath(name)}: the file was replaced since position ${offset} was stored (rotated while the watcher was down); reading the new file from its start`);
      offset = 0;
      line = 0;
    }
    if (st.size < offset) {
      warn(`follow ${fullPath(name)}: the file is shorter (${st.size} bytes) than the stored position ${offset}: truncated; reading it from the start`);
      offset = 0;
      line = 0;
    }
    pending = Buffer.alloc(0);
    return true;
  };

  const takeLine = (buf: Buffer, start: number, end: number) => {
    line++;
    if (end > start && buf[end - 1] === 13) end--; // CRLF
    if (end <= start) return;
    const text = buf.toString('utf8', start, end);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      skipped++;
      if (examples.length < 5) examples.push(`${file}:${line}: not valid JSON (${String((error as Error).message).slice(0, 80)})`);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      if (text.trim() === '') return;
      skipped++;
      if (examples.length < 5) examples.push(`${file}:${line}: not a JSON object`);
      return;
    }
    records.push(project ? project(value as VigiaRecord) : (value as VigiaRecord));
  };

  const batch = (): SourceBatch => {
    const out: SourceBatch = { records, skipped, position: { file: file!, offset, line, ...(ino !== undefined ? { ino } : {}) } };
    if (examples.length) out.skippedExamples = examples;
    records = [];
    skipped = 0;
    examples = [];
    return out;
  };

  try {
    while (!signal?.aborted) {
      if (file === undefined) {
        const files = dirMode ? await listFiles(options.path) : [];
        file = files[0];
        if (file === undefined) {
          if (options.stopAtEnd) return;
          await sleep(pollMs, signal);
          continue;
        }
      }
      if (!handle && !(await openFile(file))) {
        if (options.stopAtEnd) return;
        await sleep(pollMs, signal);
        continue;
      }
      // Read what is there after offset + what is pending.
      const { bytesRead } = await handle!.read(buffer, 0, CHUNK, offset + pending.length);
      if (bytesRead > 0) {
        let data = pending.length ? Buffer.concat([pending, buffer.subarray(0, bytesRead)]) : buffer.subarray(0, bytesRead);
        let s = 0;
        for (let nl = data.indexOf(NL, s); nl !== -1; nl = data.indexOf(NL, s)) {
          takeLine(data, s, nl);
          s = nl + 1;
          if (records.length >= batchSize) {
            offset += s;
            data = data.subarray(s);
            s = 0;
            yield batch();
            if (signal?.aborted) return;
          }
        }
        offset += s;
        // Copy: `data` may share the read buffer, which the next read overwrites.
        pending = Buffer.from(data.subarray(s));
        if (records.length > 0 || skipped > 0) yield batch();
        continue;
      }
      // At the end of the file for now.
      if (records.length > 0 || skipped > 0) yield batch();
      const next = await nextFile();
      if (next) continue;
      if (options.stopAtEnd) return;
      await sleep(pollMs, signal);
    }
  } finally {
    await handle?.close().catch(() => undefined);
  }

  /** Whether reading moves to another file (rotation): the current one is then fully read. */
  async function nextFile(): Promise<boolean> {
    if (dirMode) {
      const files = await listFiles(options.path);
      const later = files.find((f) => f > file!);
      if (later === undefined) return false;
      // Re-check the end of the current file: the writer may have appended before rotating.
      const st = await handle!.stat();
      if (st.size > offset + pending.length) return true;
      if (pending.length) {
        // A last line without `\n`: the file is finished, so it is complete.
        takeLine(pending, 0, pending.length);
        offset += pending.length;
        pending = Buffer.alloc(0);
      }
      await handle!.close();
      handle = undefined;
      file = later;
      offset = 0;
      line = 0;
      return true;
    }
    let current: Awaited<ReturnType<typeof stat>> | undefined;
    try {
      current = await stat(options.path);
    } catch {
      return false; // renamed away, not recreated yet
    }
    if (current.ino !== ino) {
      const st = await handle!.stat();
      if (st.size > offset + pending.length) return true; // drain the rotated file first
      await handle!.close();
      handle = undefined;
      offset = 0;
      line = 0;
      pending = Buffer.alloc(0);
      return true;
    }
    if (current.size < offset) {
      warn(`follow ${options.path}: the file shrank below the read position ${offset} (truncated in place); reading it from the start`);
      await handle!.close();
      handle = undefined;
      offset = 0;
      line = 0;
      pending = Buffer.alloc(0);
      return true;
    }
    return false;
  }
}

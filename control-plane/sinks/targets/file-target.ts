// JSON lines appended to a file, rotated by size: `path` → `path.1` → … → `path.N` (the oldest is
// dropped). A batch counts as delivered once written and fdatasync'ed.
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { SinkTarget } from "./sink-target.js";

/** A file sink's settings, defaults applied. */
export interface FileTargetOptions {
  path: string;
  maxBytes: number;
  maxFiles: number;
}

/** Defaults for zero values in the resource. */
export const FILE_DEFAULTS = { maxBytes: 100 * 1024 * 1024, maxFiles: 5, batchSize: 500 };

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
}

/** Shifts `path.i` to `path.i+1` (dropping `path.maxFiles`) and `path` to `path.1`. */
export async function rotate(path: string, maxFiles: number): Promise<void> {
  await rm(`${path}.${maxFiles}`, { force: true });
  for (let i = maxFiles - 1; i >= 1; i--) {
    await rename(`${path}.${i}`, `${path}.${i + 1}`).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
  }
  await rename(path, `${path}.1`).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
  });
}

async function append(path: string, data: string): Promise<void> {
  const handle = await open(path, "a", 0o600);
  try {
    await handle.write(data);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** A file target; the directory is created if missing. */
export function createFileTarget(options: FileTargetOptions): SinkTarget {
  return {
    batchSize: FILE_DEFAULTS.batchSize,
    async deliver(events) {
      await mkdir(dirname(options.path), { recursive: true });
      let size = await sizeOf(options.path);
      let pending = "";
      let pendingBytes = 0;
      for (const event of events) {
        const line = `${JSON.stringify(event)}\n`;
        const bytes = Buffer.byteLength(line);
        // A line never straddles two files; one larger than maxBytes gets a file to itself.
        if (size + pendingBytes + bytes > options.maxBytes && size + pendingBytes > 0) {
          if (pending) await append(options.path, pending);
          await rotate(options.path, options.maxFiles);
          size = 0;
          pending = "";
          pendingBytes = 0;
        }
        pending += line;
        pendingBytes += bytes;
      }
      if (pending) await append(options.path, pending);
    },
    async close() {},
  };
}


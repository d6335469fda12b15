import { promises as fs, rmSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.js';

/** Temporary files being written now: removed if the process exits in the middle (e.g. a second Ctrl-C). */
const pending = new Set<string>();
let exitHook = false;
function track(tmp: string): void {
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const t of pending) rmSync(t, { force: true });
    });
  }
  pending.add(tmp);
}

/**
 * Writes `data` to `file` atomically: first to a temporary name in the same folder, then
 * renamed over the target. A failure leaves no partial file behind (the temp file is removed).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${Date.now().toString(36)}`);
  track(tmp);
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
    pending.delete(tmp);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    pending.delete(tmp);
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? 'cannot write here (permission denied)'
        : code === 'ENOENT'
          ? 'output folder does not exist'
          : code === 'ENOSPC'
            ? 'no space left on device'
            : code === 'ENOTDIR'
              ? 'a parent of the output path is not a folder'
              : code === 'EISDIR'
                ? 'a folder has this name'
                : code === 'EDQUOT'
                  ? 'disk quota exceeded'
                  : `cannot write (${code ?? 'error'})`; // never the temporary name or the system's message text
    throw new UserError(why, file, code === 'EISDIR' ? 'exists' : 'unreadable');
  }
}

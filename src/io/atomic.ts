import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.js';

/**
 * Writes `data` to `file` atomically: first to a temporary name in the same folder, then
 * renamed over the target. A failure leaves no partial file behind (the temp file is removed).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${Date.now().toString(36)}`);
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
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

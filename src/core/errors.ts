/**
 * Errors a caller can branch on. Every problem with the user's input (a file, an option, a
 * model) is a DeepblinkError with a stable `code`; its message is one line meant for people
 * and may change between versions, the code does not. Anything else thrown is a bug; the CLI
 * prints it with a stack trace under --verbose.
 *
 * ```ts
 * try { await detect('cells.tif'); }
 * catch (e) { if (e instanceof DeepblinkError && e.code === 'bad-image') skip(e.file); else throw e; }
 * ```
 */

/** What went wrong, in a few stable words. */
export type ErrorCode =
  /** A file or folder does not exist. */
  | 'not-found'
  /** A file exists but cannot be read (permissions, a folder where a file was expected, …). */
  | 'unreadable'
  /** An image file is corrupt, truncated, of an unsupported kind or too large. */
  | 'bad-image'
  /** A plane has nothing to detect in (NaN/Inf pixels, constant). */
  | 'bad-plane'
  /** A model file is not a valid deepblink model. */
  | 'bad-model'
  /** A label / spot table is malformed. */
  | 'bad-labels'
  /** A training configuration is invalid. */
  | 'bad-config'
  /** A dataset folder is malformed. */
  | 'bad-dataset'
  /** An output exists and the tool will not replace it without being told to. */
  | 'exists'
  /** An option or argument value is invalid. */
  | 'invalid-option'
  /** Any other problem with the input. */
  | 'invalid-input';

export class DeepblinkError extends Error {
  /** The file the error concerns, when there is one. */
  readonly file: string | undefined;
  readonly code: ErrorCode;
  constructor(message: string, file?: string, code: ErrorCode = 'invalid-input') {
    super(message);
    this.name = 'DeepblinkError';
    this.file = file;
    this.code = code;
  }
  /** "FILE: message" (or just the message when no file is attached). */
  oneLine(): string {
    const msg = this.message.replace(/\s*\n\s*/g, ' ');
    return this.file ? `${this.file}: ${msg}` : msg;
  }
}

/** The name used inside the package: a user-facing error (printed as one line). */
export { DeepblinkError as UserError };

/** The code for a Node file-system error: 'not-found' for ENOENT, else 'unreadable'. */
export function fsCode(err: unknown): ErrorCode {
  return (err as { code?: unknown } | undefined)?.code === 'ENOENT' ? 'not-found' : 'unreadable';
}

/** Formats any thrown value as one line naming `file`. */
export function describeError(err: unknown, file?: string): string {
  if (err instanceof DeepblinkError) {
    if (err.file || !file) return err.oneLine();
    return `${file}: ${err.oneLine()}`;
  }
  const msg = err instanceof Error ? err.message : String(err);
  const one = msg.replace(/\s*\n\s*/g, ' ');
  return file ? `${file}: ${one}` : one;
}

/**
 * A user-facing error: its message is printed as one line, prefixed with the file it concerns.
 * Anything that is not a UserError is a bug and is printed with a stack trace under --verbose.
 */
export class UserError extends Error {
  readonly file: string | undefined;
  constructor(message: string, file?: string) {
    super(message);
    this.name = 'UserError';
    this.file = file;
  }
  /** "FILE: message" (or just the message when no file is attached). */
  oneLine(): string {
    const msg = this.message.replace(/\s*\n\s*/g, ' ');
    return this.file ? `${this.file}: ${msg}` : msg;
  }
}

/** Formats any thrown value as one line naming `file`. */
export function describeError(err: unknown, file?: string): string {
  if (err instanceof UserError) {
    if (err.file || !file) return err.oneLine();
    return `${file}: ${err.oneLine()}`;
  }
  const msg = err instanceof Error ? err.message : String(err);
  const one = msg.replace(/\s*\n\s*/g, ' ');
  return file ? `${file}: ${one}` : one;
}

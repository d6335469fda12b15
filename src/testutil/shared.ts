import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (works from src/ under tsx and from dist/ after tsc). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The workplace's shared/ folder, which lies beside the repository (`../shared`), or the
 * folder named by DEEPBLINK_SHARED. Tests that need the golden reference values fail
 * (not skip) when it is missing, so CI can never pass without them.
 */
export function sharedDir(): string {
  const candidates = [process.env.DEEPBLINK_SHARED, path.resolve(repoRoot, '..', 'shared')].filter((p): p is string => !!p);
  for (const c of candidates) if (existsSync(path.join(c, 'reference'))) return c;
  throw new Error(`shared/ folder not found (looked in ${candidates.join(', ')}); set DEEPBLINK_SHARED`);
}

/**
 * A file of shared/. The golden reference values (shared/reference/metric_cases.json) are also
 * kept in fixtures/ so the tests run in a clone without shared/ beside it; shared/ wins when present.
 */
export function sharedPath(...parts: string[]): string {
  if (parts[0] === 'reference') {
    try {
      return path.join(sharedDir(), ...parts);
    } catch {
      const copy = path.join(repoRoot, 'fixtures', ...parts.slice(1));
      if (existsSync(copy)) return copy;
      throw new Error(`reference file ${parts.join('/')} not found in shared/ nor fixtures/`);
    }
  }
  return path.join(sharedDir(), ...parts);
}

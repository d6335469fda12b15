/**
 * Never lose a user's file: the one overwrite policy of every command that writes into a folder,
 * and the provenance file each run leaves beside its results.
 *
 * A run writes `deepblink-run-<UTC time>-<pid>[-n].json` into its output folder when it starts, keeps
 * it up to date as outputs are written (atomically, at most once per second, so a batch of
 * thousands of images does not rewrite a growing file thousands of times; at the end, and at
 * process exit, whatever is pending is written): tool version, command, options, inputs, model
 * (file, SHA-256, threshold, normalisation), start/end time, status, and each output with its
 * SHA-256. Two runs into one folder therefore leave two records that say which run made which
 * file.
 *
 * Policy: a file may be replaced only when it was written by deepblink — it is listed in a
 * provenance file of its folder with the SHA-256 it still has (a file the user edited since is
 * theirs again) — or when `force` is set. Anything else is refused with code 'exists'. Output
 * names are checked to stay inside the output folder.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { writeFileAtomic } from './atomic.js';

export const PROVENANCE_FORMAT = 'deepblink-run';
const PREFIX = 'deepblink-run-';

/** One file a run wrote. */
export interface ProvenanceOutput {
  /** Path relative to the output folder. */
  file: string;
  sha256: string;
  bytes: number;
  /** The input it was made from, when there is one. */
  input?: string;
  /** Free-form facts about it (e.g. the number of spots). */
  [key: string]: unknown;
}

/** The content of a provenance file. */
export interface Provenance {
  format: typeof PROVENANCE_FORMAT;
  version: 1;
  tool: string;
  /** The command line or API call, for people. */
  command: string;
  started: string;
  finished?: string;
  status: 'running' | 'done' | 'interrupted' | 'failed';
  /** The options in effect (defaults resolved). */
  options: Record<string, unknown>;
  /** The model, for commands that use one. */
  model?: Record<string, unknown>;
  inputs: string[];
  outputs: ProvenanceOutput[];
  /** Inputs that failed, with the reason. */
  failures?: { input: string; error: string }[];
  environment: { node: string; platform: string };
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function sha256File(file: string): string | undefined {
  try {
    return sha256(readFileSync(file));
  } catch {
    return undefined;
  }
}

/** Files of `dir` recorded by deepblink runs: relative name → the SHA-256 values recorded for it. */
export function recordedOutputs(dir: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    if (!n.startsWith(PREFIX) || !n.endsWith('.json')) continue;
    try {
      const p = JSON.parse(readFileSync(path.join(dir, n), 'utf8')) as Provenance;
      if (p.format !== PROVENANCE_FORMAT || !Array.isArray(p.outputs)) continue;
      for (const o of p.outputs) {
        if (typeof o.file !== 'string' || typeof o.sha256 !== 'string') continue;
        if (!out.has(o.file)) out.set(o.file, new Set());
        out.get(o.file)!.add(o.sha256);
      }
    } catch {
      // an unreadable record proves nothing: its files count as the user's
    }
  }
  return out;
}

/** `name` joined to `dir`, refusing names that would leave it (absolute, `..`, separators in odd places). */
export function insideFolder(dir: string, name: string): string {
  const target = path.resolve(dir, name);
  const root = path.resolve(dir);
  if (path.isAbsolute(name) || !target.startsWith(root + path.sep)) {
    throw new UserError(`output name '${name}' would be written outside the output folder`, dir, 'invalid-input');
  }
  return target;
}

/**
 * Throws 'exists' unless `file` may be replaced: it does not exist, `force` is set, or it is a
 * file deepblink wrote (recorded in a provenance file of its folder, unchanged since).
 */
export function checkReplace(file: string, force: boolean, recorded?: Map<string, Set<string>>): void {
  if (force || !existsSync(file)) return;
  if (statSync(file).isDirectory()) throw new UserError('exists and is a folder', file, 'exists');
  const rec = recorded ?? recordedOutputs(path.dirname(file));
  const hashes = rec.get(path.basename(file));
  if (hashes && hashes.has(sha256File(file) ?? '')) return;
  throw new UserError('already exists and was not written by deepblink (or was changed since); use --force to replace it', file, 'exists');
}

/** Options of {@link RunRecord.start}. */
export interface RunRecordInit {
  command: string;
  options: Record<string, unknown>;
  inputs: string[];
  model?: Record<string, unknown>;
  /** Replace files that deepblink did not write. */
  force?: boolean;
}

/** Creates `file` empty unless it exists (false then); other errors are left to the first save. */
function claim(file: string): boolean {
  try {
    closeSync(openSync(file, 'wx'));
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'EEXIST';
  }
}

/** Records with changes not yet on disk: written synchronously if the process exits first. */
const unsaved = new Set<RunRecord>();
let exitHook = false;

/** Least time between two writes of one record while a run goes on. */
const SAVE_INTERVAL_MS = 1000;

/** The provenance of one run into one output folder, kept up to date as outputs are written. */
export class RunRecord {
  private recorded: Map<string, Set<string>>;
  private lastSave = 0;
  private constructor(
    readonly dir: string,
    readonly file: string,
    private readonly data: Provenance,
    private readonly force: boolean,
  ) {
    this.recorded = recordedOutputs(dir);
  }

  /** Starts a run: writes its provenance file (status 'running') into `dir`, which must exist. */
  static async start(dir: string, init: RunRecordInit): Promise<RunRecord> {
    const now = new Date();
    const stamp = now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    // one file per run, also for several runs of one process within a second (library use) and
    // for runs of other computers or containers with the same process id that start in the same
    // second into a shared folder (cluster jobs): the name is claimed by an exclusive create
    let file = '';
    for (let n = 1; ; n++) {
      file = path.join(dir, `${PREFIX}${stamp}-${process.pid}${n > 1 ? `-${n}` : ''}.json`);
      if (claim(file)) break;
    }
    const data: Provenance = {
      format: PROVENANCE_FORMAT,
      version: 1,
      tool: `deepblink ${VERSION}`,
      command: init.command,
      started: now.toISOString(),
      status: 'running',
      options: init.options,
      ...(init.model ? { model: init.model } : {}),
      inputs: init.inputs,
      outputs: [],
      environment: { node: process.version, platform: `${process.platform}-${process.arch}` },
    };
    const rec = new RunRecord(dir, file, data, init.force ?? false);
    await rec.save();
    return rec;
  }

  /** The outputs written so far. */
  get outputs(): readonly ProvenanceOutput[] {
    return this.data.outputs;
  }

  /**
   * Throws 'exists' when the relative output `name` may not be written (see the module
   * comment); returns its full path otherwise. Call before expensive work on an input.
   */
  target(name: string): string {
    const file = insideFolder(this.dir, name);
    try {
      checkReplace(file, this.force, this.recorded);
    } catch {
      // written by this run (its record may not be on disk yet), or by another run since this
      // one started: look again before refusing
      this.recorded = recordedOutputs(this.dir);
      for (const o of this.data.outputs) {
        if (!this.recorded.has(o.file)) this.recorded.set(o.file, new Set());
        this.recorded.get(o.file)!.add(o.sha256);
      }
      checkReplace(file, this.force, this.recorded);
    }
    return file;
  }

  /** Writes `data` to the relative output `name` (atomically, after the policy check) and records it. */
  async write(name: string, data: string | Uint8Array, facts: Omit<ProvenanceOutput, 'file' | 'sha256' | 'bytes'> = {}): Promise<string> {
    const file = this.target(name);
    await writeFileAtomic(file, data);
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    const rel = path.relative(this.dir, file);
    this.data.outputs = this.data.outputs.filter((o) => o.file !== rel);
    this.data.outputs.push({ file: rel, sha256: sha256(data), bytes, ...facts });
    await this.changed();
    return file;
  }

  /** Records an input that failed. */
  async failed(input: string, error: string): Promise<void> {
    (this.data.failures ??= []).push({ input, error });
    await this.changed();
  }

  /** Ends the run with its status. */
  async finish(status: Provenance['status']): Promise<void> {
    this.data.status = status;
    this.data.finished = new Date().toISOString();
    await this.save();
  }

  /** Saves now when the last save is old enough, else leaves it for later (or for exit). */
  private async changed(): Promise<void> {
    if (Date.now() - this.lastSave >= SAVE_INTERVAL_MS) await this.save();
    else {
      unsaved.add(this);
      if (!exitHook) {
        exitHook = true;
        process.on('exit', () => {
          for (const r of unsaved) r.saveSync();
        });
      }
    }
  }

  private async save(): Promise<void> {
    this.lastSave = Date.now();
    unsaved.delete(this);
    await writeFileAtomic(this.file, this.text());
  }

  private saveSync(): void {
    const tmp = `${this.file}.tmp-${process.pid}`;
    writeFileSync(tmp, this.text());
    renameSync(tmp, this.file);
  }

  private text(): string {
    return JSON.stringify(this.data, null, 1) + '\n';
  }
}

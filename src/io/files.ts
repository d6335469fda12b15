/**
 * Finding input files and preparing output folders, shared by the library (dataset building)
 * and the command line.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { FOLDER_IMAGE_EXTENSIONS, imageExtensions } from './image/registry.js';
import { isRemotePath, isZarrFolder, remoteError } from './image/zarr.js';

function hasExtension(file: string, exts: readonly string[]): boolean {
  const e = path.extname(file).toLowerCase();
  return exts.includes(e);
}

/**
 * Files named by `input`: the file itself, or the files of a folder (not recursive) whose
 * extension is in `exts` (by default those of the registered image formats), sorted by name. A
 * single file is returned whatever its extension (the reader then says why it cannot read it).
 * A folder image (OME-Zarr: `cells.ome.zarr/`, whose extension is in FOLDER_IMAGE_EXTENSIONS,
 * or any folder holding Zarr metadata) is one input: given as `input` it is returned itself,
 * inside a folder it is listed like a file and never descended into (when `exts` has `.zarr`).
 */
export function listInputs(input: string, exts: readonly string[] = imageExtensions()): string[] {
  if (isRemotePath(input)) throw remoteError(input);
  if (!existsSync(input)) throw new UserError('no such file or folder', input);
  const st = statSync(input);
  const folderImages = FOLDER_IMAGE_EXTENSIONS.filter((e) => exts.includes(e));
  if (st.isDirectory() && folderImages.length > 0 && (hasExtension(input, folderImages) || isZarrFolder(input))) return [input];
  if (st.isDirectory()) {
    const files = readdirSync(input)
      .filter((f) => !f.startsWith('.') && hasExtension(f, exts))
      .map((f) => path.join(input, f))
      .filter((f) => {
        const s = statSync(f);
        return s.isFile() || (s.isDirectory() && hasExtension(f, folderImages));
      })
      .sort();
    if (files.length === 0) throw new UserError(`folder holds no ${exts.join('/')} files`, input);
    return files;
  }
  return [input];
}

/** Ensures `dir` is a writable folder (creating it if needed). */
export function ensureOutputDir(dir: string): void {
  try {
    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory()) throw new UserError('output path exists and is not a folder', dir);
    } else {
      mkdirSync(dir, { recursive: true });
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot create the output folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, dir);
  }
}

/** basename without extension: "/a/b/cells.ome.tif" → "cells.ome". */
export function stem(file: string): string {
  const b = path.basename(file);
  const e = path.extname(b);
  return e ? b.slice(0, -e.length) : b;
}

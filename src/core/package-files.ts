import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (bin/, dist/, schemas/, examples/, load/), from src/ or dist/: same relative location. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A file shipped with revgate (an example config, criteria), as an absolute path. */
export function packagedFile(relative: string): string {
  return path.join(PACKAGE_ROOT, relative);
}

/** How to show a packaged file to a person: relative to the working folder when that is shorter. */
export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, file);
  return rel.length < file.length ? rel : file;
}

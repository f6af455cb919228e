/**
 * The shape STYLE.md asks for, checked on the source itself: no import cycle between files or between
 * folders, command folders never reach into the sandbox, and reporters never decide a verdict.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const SRC = path.resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** file -> files it imports (relative imports only, type-only imports included: they are dependencies of the design too). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    graph.set(
      file,
      importedFiles.filter((i) => i.fileName.startsWith('.')).map((i) => path.resolve(path.dirname(file), i.fileName.replace(/\.js$/, '.ts'))),
    );
  }
  return graph;
}

const folderOf = (file: string): string => path.relative(SRC, file).split(path.sep)[0] as string;

function cycles(graph: Map<string, readonly string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 'open') found.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
  return found;
}

describe('architecture', () => {
  const files = importGraph();

  it('every relative import resolves to a source file (the graph below is complete)', () => {
    const missing = [...files].flatMap(([f, deps]) => deps.filter((d) => !files.has(d)).map((d) => `${path.relative(SRC, f)} -> ${path.relative(SRC, d)}`));
    assert.deepEqual(missing, []);
  });

  it('has no import cycle between files', () => {
    assert.deepEqual(
      cycles(files).map((c) => c.map((f) => path.relative(SRC, f)).join(' -> ')),
      [],
    );
  });

  it('has no import cycle between folders', () => {
    const folders = new Map<string, string[]>();
    for (const [f, deps] of files) {
      const from = folderOf(f);
      const to = deps.map(folderOf).filter((d) => d !== from);
      folders.set(from, [...new Set([...(folders.get(from) ?? []), ...to])]);
    }
    assert.deepEqual(
      cycles(folders).map((c) => c.join(' -> ')),
      [],
    );
  });

  it('command folders never import sandbox/ (the CLI injects sandbox targets)', () => {
    const commands = ['smoke', 'probe', 'load', 'gate', 'discover', 'rollout', 'run', 'aca', 'azure'];
    const offending = [...files].filter(([f, deps]) => commands.includes(folderOf(f)) && deps.some((d) => folderOf(d) === 'sandbox'));
    assert.deepEqual(
      offending.map(([f]) => path.relative(SRC, f)),
      [],
    );
  });

  it('report/ never calls decide: later stages add to a verdict, they do not rebuild it', () => {
    const decide = path.join(SRC, 'verdict', 'decide.ts');
    const offending = [...files].filter(([f, deps]) => folderOf(f) === 'report' && deps.includes(decide));
    assert.deepEqual(
      offending.map(([f]) => path.relative(SRC, f)),
      [],
    );
  });

  it('no command orchestrator handles signals, builds a redactor or prepares the output folder itself', () => {
    const offending: string[] = [];
    for (const f of files.keys()) {
      if (!['smoke', 'probe', 'load', 'gate', 'discover', 'rollout'].includes(folderOf(f))) continue;
      const text = readFileSync(f, 'utf8');
      if (/process\.(on|once)\(\s*'SIG/.test(text)) offending.push(`${path.relative(SRC, f)}: signal handler`);
      if (/claimOutputDir\(/.test(text)) offending.push(`${path.relative(SRC, f)}: output folder`);
      if (/new Redactor\(/.test(text) && !f.endsWith(path.join('smoke', 'run-context.ts'))) offending.push(`${path.relative(SRC, f)}: redactor`);
    }
    assert.deepEqual(offending, []);
  });
});

/**
 * Issue 14: `revgate --version` and `--help` start in well under a second because the CLI's static imports stay
 * light: yargs and the command modules' option declarations, never a command's implementation (Playwright,
 * @azure/identity, ajv, undici, the sandbox), which each handler imports when it runs. The graph is checked on the
 * source, so a new command that imports its implementation at the top fails here rather than slowing every start.
 * The times themselves: scripts/bench-startup.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const SRC = path.resolve(import.meta.dirname, '../../src');

/** Value imports and re-exports at the top of a file (`import type` and dynamic `import()` are not loaded at start). */
function staticImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, false);
  const out: string[] = [];
  for (const s of source.statements) {
    if (ts.isImportDeclaration(s)) {
      const clause = s.importClause;
      const typeOnly =
        clause?.isTypeOnly ||
        (clause && !clause.name && clause.namedBindings && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) out.push((s.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(s) && s.moduleSpecifier && !s.isTypeOnly) out.push((s.moduleSpecifier as ts.StringLiteral).text);
  }
  return out;
}

/** Every module `src/cli/main.ts` loads before it parses a flag, with the chain that reaches it. */
function startupClosure(): Map<string, string[]> {
  const reached = new Map<string, string[]>();
  const visit = (file: string, chain: string[]): void => {
    const rel = path.relative(SRC, file);
    if (reached.has(rel)) return;
    reached.set(rel, chain);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')), [...chain, rel]);
      else if (!reached.has(spec)) reached.set(spec, [...chain, rel]);
    }
  };
  visit(path.join(SRC, 'cli', 'main.ts'), []);
  return reached;
}

// What a start may load: the parser, the option declarations, and small leaf modules.
const ALLOWED = [
  /^cli\/(main|io|azure-flags)\.ts$/,
  /^monitor\/duration\.ts$/,
  /^cli\/commands\/[\w-]+\.ts$/,
  /^core\/(exit-codes|version|errors|package-files|io)\.ts$/,
  /^report\/ci\.ts$/,
  /^yargs(\/helpers)?$/,
  /^node:/,
];

describe('CLI start-up', () => {
  it('main.ts loads only the parser, the option declarations and leaf modules; every command implementation loads on use', () => {
    const offending = [...startupClosure()].filter(([m]) => !ALLOWED.some((re) => re.test(m))).map(([m, chain]) => `${[...chain, m].join(' -> ')}`);
    assert.deepEqual(offending, [], 'import these inside the command handler instead (await import(...))');
  });

  it('the check sees through a command module to what it would load (it is not vacuous)', () => {
    const closure = startupClosure();
    assert.ok(closure.has('cli/commands/smoke.ts') && closure.has('yargs'), [...closure.keys()].join(', '));
    assert.ok(staticImports(path.join(SRC, 'smoke', 'command.ts')).includes('../azure/token.js'), 'static imports of an implementation are found');
  });
});

/**
 * Every problem with a command's input, collected before anything starts (the shape of prepareGate):
 * a user fixes them all in one go instead of one per run. Usage-class errors thrown by loaders
 * (config, profile, criteria, catalog) are captured as problems; anything else propagates.
 */
import { ExitCode } from '../core/exit-codes.js';
import { ErrorCodes, RevgateError, type Diagnostic } from '../core/errors.js';

export class Problems {
  readonly #diagnostics: Diagnostic[] = [];
  readonly #errors: RevgateError[] = [];

  /** One problem, located by its flag (`--base-url`) or JSON path (`$.checks[2]`). */
  add(path: string, message: string, file?: string): void {
    this.#diagnostics.push({ path, message, ...(file ? { file } : {}) });
  }

  addAll(diagnostics: readonly Diagnostic[]): void {
    this.#diagnostics.push(...diagnostics);
  }

  /** The problems added so far (not the captured errors). */
  get diagnostics(): readonly Diagnostic[] {
    return this.#diagnostics;
  }

  get count(): number {
    return this.#diagnostics.length + this.#errors.length;
  }

  /** Runs `fn`; a usage error (exit 3) it throws is recorded and `undefined` returned. */
  capture<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      this.#take(err);
      return undefined;
    }
  }

  async captureAsync<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      this.#take(err);
      return undefined;
    }
  }

  #take(err: unknown): void {
    if (err instanceof RevgateError && err.exitCode === ExitCode.Usage) this.#errors.push(err);
    else throw err;
  }

  /**
   * Throws when anything was found: a single captured error as it was (its code, message and schema
   * hint), otherwise one usage error listing every problem.
   */
  throwIfAny(): void {
    if (this.count === 0) return;
    const only = this.#errors[0];
    if (this.#errors.length === 1 && this.#diagnostics.length === 0 && only) throw only;
    const single = this.#diagnostics[0];
    // One problem with a flag reads best as one sentence, as it always has: "--fault only applies with --sandbox".
    if (this.#errors.length === 0 && this.#diagnostics.length === 1 && single && !single.file) throw new RevgateError(ErrorCodes.Usage, sentence(single));
    const diagnostics = [
      ...this.#diagnostics,
      ...this.#errors.flatMap((e) => (e.diagnostics.length ? e.diagnostics : [{ path: 'input', message: e.message }])),
    ];
    const schema = this.#errors.find((e) => e.schema)?.schema;
    throw new RevgateError(ErrorCodes.Usage, `${diagnostics.length} problems with the input:`, diagnostics, {
      ...(schema ? { schema } : {}),
    });
  }
}

/** A flag's problem as a sentence that names the flag once. */
export function sentence(d: Diagnostic): string {
  return d.message.startsWith(d.path) ? d.message : `${d.path}: ${d.message}`;
}

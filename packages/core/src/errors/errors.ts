/**
 * Errors that reach a user. Each names the field, plugin or file at fault and what is allowed,
 * so the CLI can print `error.message` alone and exit non-zero.
 */
export class PrecondError extends Error {
  /** A stable, machine-readable code (`options`, `unknown-plugin`, `non-finite-loss`, ...). */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PrecondError';
    this.code = code;
  }
}

/** `a task`, `an optimizer`: for messages that name a plugin kind. */
export const article = (word: string): string => `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`;

/** A plugin option (or an experiment setting) failed validation. */
export class OptionsError extends PrecondError {
  /** Dotted option path, e.g. `optimizer.lr`. */
  readonly path: string;
  constructor(path: string, message: string) {
    super('options', message);
    this.name = 'OptionsError';
    this.path = path;
  }
}

/** A plugin id (or experiment variant) was asked for that nobody registered. */
export class UnknownNameError extends PrecondError {
  readonly known: readonly string[];
  /** `unknown <what> '<name>'<where>; the known ones are: ...` (`where` e.g. ` in experiment 'e1'`). */
  constructor(what: string, name: string, known: readonly string[], where = '') {
    super(
      'unknown-name',
      `unknown ${what} '${name}'${where}; the known ones are: ${known.length ? [...known].sort().join(', ') : '(none)'}`,
    );
    this.name = 'UnknownNameError';
    this.known = known;
  }
}

/** Training produced a NaN or infinite loss; the run stops and is marked failed. */
export class NonFiniteLossError extends PrecondError {
  readonly step: number;
  constructor(step: number, value: number, where = 'loss') {
    super('non-finite-loss', `${where} became ${value} at step ${step}; the run stops here (metrics up to step ${step - 1} are kept)`);
    this.name = 'NonFiniteLossError';
    this.step = step;
  }
}

/** The run was stopped from outside (SIGINT, a Stop button); it is resumable. */
export class RunInterruptedError extends PrecondError {
  readonly step: number;
  constructor(step: number) {
    super('interrupted', `run interrupted after step ${step}; resume it with \`precond resume <run-dir>\``);
    this.name = 'RunInterruptedError';
    this.step = step;
  }
}

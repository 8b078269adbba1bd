/**
 * A mistake on the command line (a malformed flag value, a path that holds no experiment). Like
 * core's PrecondError it reaches the user as one line, without a stack trace.
 */
export class CliError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.code = code;
  }
}

/**
 * Whether `error` is one of core's PrecondErrors. Checked by class name along the prototype chain
 * rather than `instanceof`, because an experiment file loaded at run time may resolve its own copy
 * of @precond/core (built `dist` next to the CLI's sources in development), and its errors are
 * still user-facing.
 */
export function isPrecondError(error: unknown): error is Error & { code: string } {
  for (let p: unknown = error; p !== null && typeof p === 'object'; p = Object.getPrototypeOf(p)) {
    const ctor = (p as { constructor?: { name?: string } }).constructor;
    if (Object.prototype.hasOwnProperty.call(p, 'constructor') && ctor?.name === 'PrecondError') return true;
  }
  return false;
}

/** Errors a user caused and can fix from the message alone: printed without a stack trace. */
export function isUserError(error: unknown): boolean {
  return error instanceof CliError || isPrecondError(error);
}

/**
 * The text printed for an error: `precond: <message>`, continuation lines indented, the stack only
 * when PRECOND_DEBUG=1 (and a hint about that for errors that are not the user's).
 */
export function formatError(error: unknown, env: NodeJS.ProcessEnv = process.env): string {
  const debug = env.PRECOND_DEBUG === '1';
  const e = error instanceof Error ? error : new Error(String(error));
  const expected = isUserError(e);
  // A bug shows its class (TypeError, RangeError); a plain Error's message stands alone.
  const message = expected || e.name === 'Error' ? e.message : `${e.name}: ${e.message}`;
  const lines = [`precond: ${message.split('\n').join('\n  ')}`];
  if (debug) {
    if (e.stack) lines.push(e.stack);
    if (e.cause instanceof Error && e.cause.stack) lines.push(`caused by: ${e.cause.stack}`);
  }
  else if (!expected || e.cause instanceof Error) lines.push('  (set PRECOND_DEBUG=1 to see the stack trace)');
  return `${lines.join('\n')}\n`;
}

import { EXIT_INTERRUPTED } from './exit-codes.js';

/** What a command needs to stop a run cleanly on Ctrl-C. */
export interface Interrupt {
  /** Aborted on the first SIGINT: core finishes the current step, checkpoints and marks the run `interrupted`. */
  readonly signal: AbortSignal;
  /** Stop listening (the process's default SIGINT behaviour returns). */
  dispose(): void;
}

/**
 * Listen for SIGINT while runs execute. The first one aborts through an AbortController so the
 * run stays resumable; a second one exits at once with 130 (128 + SIGINT), the shell convention,
 * for a user who does not want to wait for the checkpoint.
 */
export function listenForInterrupt(stderr: { write(text: string): unknown; readonly isTTY?: boolean }, exit: (code: number) => void = (c) => process.exit(c)): Interrupt {
  const controller = new AbortController();
  // On a terminal the progress bar owns the current line; start a fresh one.
  const nl = stderr.isTTY === true ? '\n' : '';
  const onSigint = () => {
    if (!controller.signal.aborted) {
      stderr.write(`${nl}precond: interrupted; finishing the current step and writing a checkpoint (press Ctrl-C again to quit at once)\n`);
      controller.abort();
      return;
    }
    // The progress bar hides the cursor and would not get to show it again.
    const showCursor = stderr.isTTY === true ? '\u001b[?25h' : '';
    stderr.write(`${showCursor}${nl}precond: interrupted again; quitting without waiting for the checkpoint\n`);
    exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => void process.off('SIGINT', onSigint) };
}

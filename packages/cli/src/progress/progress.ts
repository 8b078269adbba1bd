import cliProgress from 'cli-progress';
import type { RunEvent } from '@precond/core';
import { formatDuration, formatLoss, formatRate } from './format.js';

/** Where progress goes: stderr, so stdout stays clean for the list of run folders. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface ProgressOptions {
  /** `sgd s0`: printed in brackets before every line. */
  readonly label: string;
  /** Draw a live bar (on a terminal) or print plain lines (logs, CI, pipes). */
  readonly tty: boolean;
  /** Least time between two plain lines, in milliseconds. */
  readonly intervalMs?: number;
  /** How a run folder location is shown (relative to the current directory, say). */
  readonly showLocation?: (location: string) => string;
  /** The clock, in milliseconds. */
  readonly now?: () => number;
  /**
   * Runs drawn side by side on a terminal: this run's bar joins the board (a cli-progress MultiBar,
   * see `progressBoard`) and its lines are printed above the bars instead of on the bar's line.
   */
  readonly board?: cliProgress.MultiBar;
}

/** The bar line of a run: `[sgd s0] ████░░ 400/2000 loss 1.234e-2 38.1 steps/s eta 42s`. */
function barFormat(tag: string): string {
  return `${tag} {bar} {value}/{total} loss {loss} {rate} steps/s eta {remaining}`;
}

/**
 * A board for several runs progressing at once on a terminal: one bar per running run, finished
 * runs leave their last line above the bars. `stop` when every run has ended.
 */
export function progressBoard(stream: ProgressStream): cliProgress.MultiBar {
  return new cliProgress.MultiBar(
    {
      stream: stream as NodeJS.WritableStream,
      format: '{bar}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      // One Ctrl-C is the CLI's own: it lets the runs checkpoint; the board must not react to it.
      gracefulExit: false,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
}

/** Print what is waiting above the bars and restore the cursor (after the last run has ended). */
export function stopBoard(board: cliProgress.MultiBar): void {
  board.update();
  board.stop();
}

/** Where a run stands, derived from the runner's events. */
interface Progress {
  steps: number;
  startStep: number;
  step: number;
  loss: number | undefined;
  startedAt: number;
}

function rateOf(p: Progress, now: number): number {
  const seconds = (now - p.startedAt) / 1000;
  return seconds > 0 ? (p.step - p.startStep) / seconds : 0;
}

function etaOf(p: Progress, rate: number): string {
  return rate > 0 ? formatDuration((p.steps - p.step) / rate) : '-';
}

/**
 * A RunEvent callback that reports one run's progress (step/steps, loss, steps/s, ETA): a
 * cli-progress bar on a TTY, otherwise a plain line at most every `intervalMs` and one at the end:
 * `[sgd s0] step 400/2000 loss 1.234e-2 38.1 steps/s eta 42s`.
 */
export function runProgress(stream: ProgressStream, options: ProgressOptions): (event: RunEvent) => void {
  const now = options.now ?? (() => Date.now());
  const interval = options.intervalMs ?? 2000;
  const show = options.showLocation ?? ((l: string) => l);
  const tag = `[${options.label}]`;
  let p: Progress | undefined;
  let lastLine = 0;
  let bar: cliProgress.SingleBar | undefined;
  const board = options.tty ? options.board : undefined;
  // With a board, lines queue above the bars (drawn at its next refresh); otherwise they go straight out.
  const print = (text: string) => (board ? board.log(text) : stream.write(text));

  const line = (state: Progress) => {
    const rate = rateOf(state, now());
    return `${tag} step ${state.step}/${state.steps} loss ${formatLoss(state.loss)} ${formatRate(rate)} steps/s eta ${etaOf(state, rate)}`;
  };
  const payload = (state: Progress) => {
    const rate = rateOf(state, now());
    // `eta` is a cli-progress placeholder of its own (whole seconds), hence `remaining`.
    return { loss: formatLoss(state.loss), rate: formatRate(rate), remaining: etaOf(state, rate) };
  };

  return (event: RunEvent) => {
    switch (event.type) {
      case 'start': {
        p = { steps: event.steps, startStep: event.startStep, step: event.startStep, loss: undefined, startedAt: now() };
        lastLine = now();
        const from = event.startStep > 0 ? `resuming at step ${event.startStep}/${event.steps}` : `${event.steps} steps`;
        print(`${tag} ${from} → ${show(event.location)}\n`);
        if (board) {
          bar = board.create(event.steps, event.startStep, payload(p), { format: barFormat(tag) });
        } else if (options.tty) {
          bar = new cliProgress.SingleBar(
            {
              stream: stream as NodeJS.WritableStream,
              format: barFormat(tag),
              barsize: 24,
              hideCursor: true,
              clearOnComplete: false,
              fps: 10,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(event.steps, event.startStep, payload(p));
        }
        break;
      }
      case 'step': {
        if (!p) return;
        p.step = event.step;
        p.loss = event.loss;
        if (bar) bar.update(event.step, payload(p));
        else if (now() - lastLine >= interval) {
          lastLine = now();
          stream.write(`${line(p)}\n`);
        }
        break;
      }
      case 'row': {
        // A row holds the full-batch loss after `row.step` steps; the last one is the run's final loss,
        // which no step event reports (each reports the loss its update started from).
        if (p && typeof event.row.loss === 'number') p.loss = event.row.loss;
        break;
      }
      case 'end': {
        // Without a start the run failed while being composed; the caller prints that error once.
        if (!p) return;
        p.step = event.step;
        if (board && bar) {
          // The bar leaves the board; its last state stays as a line above the others.
          board.remove(bar);
          bar = undefined;
          print(`${line(p)}\n`);
        } else if (bar) {
          bar.update(event.step, payload(p));
          bar.stop();
          bar = undefined;
        } else {
          print(`${line(p)}\n`);
        }
        const took = formatDuration((now() - p.startedAt) / 1000);
        print(`${tag} ${event.status} at step ${event.step}/${p.steps} after ${took}\n`);
        p = undefined;
        break;
      }
    }
  };
}

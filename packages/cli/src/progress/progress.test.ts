import { describe, expect, it } from 'vitest';
import { formatDuration, formatLoss, formatRate } from './format.js';
import { progressBoard, runProgress, stopBoard } from './progress.js';

describe('progress formats', () => {
  it('prints losses with four significant digits, rates with one decimal, durations in two units', () => {
    expect(formatLoss(0.01234)).toBe('1.234e-2');
    expect(formatLoss(Number.NaN)).toBe('NaN');
    expect(formatLoss(undefined)).toBe('-');
    expect(formatRate(38.06)).toBe('38.1');
    expect(formatRate(0)).toBe('-');
    expect(formatDuration(42.4)).toBe('42s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(7620)).toBe('2h07m');
  });
});

describe('runProgress without a TTY', () => {
  it('prints a line at most every interval and one at the end', () => {
    let t = 0;
    let text = '';
    const onEvent = runProgress({ write: (s: string) => (text += s) }, { label: 'sgd s0', tty: false, intervalMs: 2000, now: () => t });
    onEvent({ type: 'start', location: 'runs/x/sgd-s0', experiment: 'x', variant: 'sgd', seed: 0, steps: 2000, startStep: 0 });
    // 400 steps in 10.5 s: 38.1 steps/s; 1,600 steps left take 42 s at that rate.
    for (let step = 1; step <= 400; step++) {
      t = (step / 400) * 10_500;
      onEvent({ type: 'step', step, steps: 2000, loss: 0.01234 });
    }
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('[sgd s0] 2000 steps → runs/x/sgd-s0');
    // Steps come every 26.25 ms; a line is due once 2 s have passed since the last one: at steps
    // 77, 154, 231, 308 and 385 (2.02, 4.04, 6.06, 8.09 and 10.11 s).
    expect(lines).toHaveLength(6);
    // At step 385: 385 / 10.10625 s = 38.1 steps/s; (2000 - 385) / 38.1 = 42 s left.
    expect(lines.at(-1)).toBe('[sgd s0] step 385/2000 loss 1.234e-2 38.1 steps/s eta 42s');
    text = '';
    onEvent({ type: 'row', row: { step: 400, loss: 0.0099 } });
    onEvent({ type: 'end', status: 'interrupted', step: 400 });
    expect(text).toBe('[sgd s0] step 400/2000 loss 9.900e-3 38.1 steps/s eta 42s\n[sgd s0] interrupted at step 400/2000 after 11s\n');
  });

  it('reports the rate of this process when resuming', () => {
    let t = 0;
    let text = '';
    const onEvent = runProgress({ write: (s: string) => (text += s) }, { label: 'adam s2', tty: false, now: () => t });
    onEvent({ type: 'start', location: '/abs/run', experiment: 'x', variant: 'adam', seed: 2, steps: 100, startStep: 60 });
    t = 4000;
    onEvent({ type: 'step', step: 80, steps: 100, loss: 2 });
    // 20 steps in 4 s since the resume: 5 steps/s, 20 left: 4 s.
    expect(text).toBe('[adam s2] resuming at step 60/100 → /abs/run\n[adam s2] step 80/100 loss 2.000e+0 5.0 steps/s eta 4s\n');
  });

  it('draws a bar on a TTY', () => {
    let text = '';
    const onEvent = runProgress({ write: (s: string) => (text += s), isTTY: true }, { label: 'sgd s0', tty: true });
    onEvent({ type: 'start', location: 'r', experiment: 'x', variant: 'sgd', seed: 0, steps: 10, startStep: 0 });
    onEvent({ type: 'step', step: 10, steps: 10, loss: 0.5 });
    onEvent({ type: 'end', status: 'completed', step: 10 });
    expect(text).toContain('10/10 loss 5.000e-1');
    expect(text).toContain('[sgd s0] completed at step 10/10');
  });
});

describe('runProgress on a shared board (runs in parallel on a TTY)', () => {
  it('draws one bar per running run and prints the lines of each run above the bars', () => {
    let text = '';
    const stream = { write: (s: string) => (text += s), isTTY: true };
    const sigint = process.listenerCount('SIGINT');
    const board = progressBoard(stream);
    let t = 0;
    const a = runProgress(stream, { label: 'sgd s0', tty: true, board, now: () => t });
    const b = runProgress(stream, { label: 'adam s1', tty: true, board, now: () => t });
    a({ type: 'start', location: 'runs/x/sgd-s0', experiment: 'x', variant: 'sgd', seed: 0, steps: 10, startStep: 0 });
    b({ type: 'start', location: 'runs/x/adam-s1', experiment: 'x', variant: 'adam', seed: 1, steps: 40, startStep: 0 });
    // The CLI handles Ctrl-C itself (checkpoints first); the board must not add a handler of its own.
    expect(process.listenerCount('SIGINT')).toBe(sigint);
    t = 2000;
    a({ type: 'step', step: 10, steps: 10, loss: 0.5 });
    b({ type: 'step', step: 20, steps: 40, loss: 0.25 });
    board.update();
    // Both bars are on screen at once: 10 steps in 2 s is 5.0 steps/s; 20 in 2 s is 10.0 steps/s, 20 left take 2 s.
    expect(text).toContain('[sgd s0] ');
    expect(text).toContain('10/10 loss 5.000e-1 5.0 steps/s eta 0s');
    expect(text).toContain('20/40 loss 2.500e-1 10.0 steps/s eta 2s');
    text = '';
    a({ type: 'end', status: 'completed', step: 10 });
    b({ type: 'end', status: 'interrupted', step: 20 });
    stopBoard(board);
    // A finished run leaves the board; its last state and end line are printed above the bars, by
    // the next redraw (removing a bar redraws) or when the board stops.
    expect(text).toContain('[sgd s0] step 10/10 loss 5.000e-1 5.0 steps/s eta 0s\n');
    expect(text).toContain('[sgd s0] completed at step 10/10 after 2s\n');
    expect(text).toContain('[adam s1] interrupted at step 20/40 after 2s\n');
    // The cursor the board hid is shown again.
    expect(text).toContain('\u001b[?25h');
  });
});

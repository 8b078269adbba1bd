import { afterEach, describe, expect, it } from 'vitest';
import { listenForInterrupt, type Interrupt } from './interrupt.js';

let listening: Interrupt | undefined;
afterEach(() => listening?.dispose());

describe('listenForInterrupt', () => {
  it('aborts on the first SIGINT and exits with 130 on the second', () => {
    let text = '';
    const exits: number[] = [];
    const before = process.listenerCount('SIGINT');
    listening = listenForInterrupt({ write: (s: string) => (text += s) }, (code) => void exits.push(code));
    expect(process.listenerCount('SIGINT')).toBe(before + 1);

    process.emit('SIGINT');
    expect(listening.signal.aborted).toBe(true);
    expect(exits).toEqual([]);
    expect(text).toBe('precond: interrupted; finishing the current step and writing a checkpoint (press Ctrl-C again to quit at once)\n');

    process.emit('SIGINT');
    expect(exits).toEqual([130]);

    listening.dispose();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});

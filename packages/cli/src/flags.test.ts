import { describe, expect, it } from 'vitest';
import { collectOverrides } from './commands/run.js';
import { parseCount, parseSeeds, parseSet } from './flags.js';

describe('parseSet', () => {
  it('parses the value as JSON when it is JSON, else keeps the string', () => {
    expect(parseSet('optimizer.lr=0.1')).toEqual(['optimizer.lr', 0.1]);
    expect(parseSet('model.hidden=[8,8]')).toEqual(['model.hidden', [8, 8]]);
    expect(parseSet('log={"every":5}')).toEqual(['log', { every: 5 }]);
    expect(parseSet('model.bias=false')).toEqual(['model.bias', false]);
    expect(parseSet('batchSize=full')).toEqual(['batchSize', 'full']);
    // Only the first '=' separates: the rest belongs to the value.
    expect(parseSet('task.label=a=b')).toEqual(['task.label', 'a=b']);
    expect(parseSet('task.label="0.1"')).toEqual(['task.label', '0.1']);
  });

  it('rejects text without a path or with a malformed one', () => {
    expect(() => parseSet('optimizer.lr')).toThrow("--set: expected path=value (e.g. optimizer.lr=0.1), got 'optimizer.lr'");
    expect(() => parseSet('=3')).toThrow("--set: expected path=value (e.g. optimizer.lr=0.1), got '=3'");
    expect(() => parseSet('optimizer..lr=3')).toThrow("--set: 'optimizer..lr' is not a dotted option path");
  });
});

describe('parseSeeds and parseCount', () => {
  it('reads comma-separated seeds, dropping repeats', () => {
    expect(parseSeeds('0,1,2')).toEqual([0, 1, 2]);
    expect(parseSeeds(' 7 , 3,7')).toEqual([7, 3]);
    expect(parseSeeds('4294967295')).toEqual([4294967295]);
  });

  it('names the flag and the bad value', () => {
    expect(() => parseSeeds('1,,2')).toThrow("--seeds: expected a comma-separated list of integers such as 0,1,2, got '1,,2'");
    expect(() => parseSeeds('-1')).toThrow("--seeds: expected a non-negative integer, got '-1'");
    expect(() => parseSeeds('4294967296')).toThrow('--seeds: seed 4294967296 is larger than 4294967295');
    expect(() => parseCount('--steps', '1e3')).toThrow("--steps: expected a non-negative integer, got '1e3'");
    expect(parseCount('--steps', '250')).toBe(250);
  });
});

describe('collectOverrides', () => {
  it('turns --set, --steps and --checkpoint-every into core overrides, the shorthands last', () => {
    expect(collectOverrides({ set: ['optimizer.lr=0.3', 'steps=5'], steps: '40', checkpointEvery: '10' })).toEqual({
      'optimizer.lr': 0.3,
      steps: 40,
      checkpointEvery: 10,
    });
    expect(collectOverrides({ set: [] })).toEqual({});
  });
});

import { describe, expect, it } from 'vitest';
import { grokMarkersFromState, grokMarkersToState, grokMetrics, NO_GROK_MARKERS, updateGrokMarkers } from './grok-markers.js';

describe('grok markers', () => {
  it('set each marker at the first step at or above the threshold and never move it', () => {
    let m = NO_GROK_MARKERS;
    m = updateGrokMarkers(m, 0, 0.5, 0.1, 0.95);
    expect(m).toEqual({ trainStep: null, testStep: null });
    m = updateGrokMarkers(m, 10, 0.95, 0.2, 0.95); // exactly the threshold counts
    expect(m).toEqual({ trainStep: 10, testStep: null });
    m = updateGrokMarkers(m, 20, 0.5, 0.99, 0.95); // train accuracy fell back: its marker stays
    expect(m).toEqual({ trainStep: 10, testStep: 20 });
    m = updateGrokMarkers(m, 30, 1, 1, 0.95);
    expect(m).toEqual({ trainStep: 10, testStep: 20 });
  });

  it('report only the markers that are set, and the delay once both are', () => {
    expect(grokMetrics(NO_GROK_MARKERS)).toEqual({});
    expect(grokMetrics({ trainStep: 40, testStep: null })).toEqual({ 'grok.train_step': 40 });
    expect(grokMetrics({ trainStep: 40, testStep: 250 })).toEqual({ 'grok.train_step': 40, 'grok.test_step': 250, 'grok.delay': 210 });
    // Test accuracy first (possible on a small test set): the delay is negative.
    expect(grokMetrics({ trainStep: 30, testStep: 10 })['grok.delay']).toBe(-20);
  });

  it('round-trip through a State and refuse states of other shapes', () => {
    for (const m of [NO_GROK_MARKERS, { trainStep: 0, testStep: null }, { trainStep: 120, testStep: 3400 }]) {
      expect(grokMarkersFromState(grokMarkersToState(m))).toEqual(m);
    }
    expect(grokMarkersToState({ trainStep: 5, testStep: null })).toEqual({ grokTrainStep: 5, grokTestStep: null });
    expect(() => grokMarkersFromState({})).toThrow(/keeps the state 'grokTrainStep', 'grokTestStep', but the checkpoint holds no task state/);
    expect(() => grokMarkersFromState({ grokTrainStep: null, grokTestStep: null, firstSolved: 3 })).toThrow(/holds .*'firstSolved'/);
    expect(() => grokMarkersFromState({ grokTrainStep: -1, grokTestStep: null })).toThrow(/'grokTrainStep' must be a step .* got -1/);
    expect(() => grokMarkersFromState({ grokTrainStep: 2, grokTestStep: 2.5 })).toThrow(/'grokTestStep' .* got 2.5/);
    expect(() => grokMarkersFromState({ grokTrainStep: '2', grokTestStep: null })).toThrow(/got "2"/);
  });
});

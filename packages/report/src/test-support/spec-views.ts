import type { FigureSpec } from '../figures/figure-spec.js';
import type { BandPoint } from '../figures/seed-bands.js';

/** The parts of a figure spec the tests read; figure builders produce exactly these shapes. */
export interface PanelView {
  encoding: {
    x: { field: string; title: string };
    color: { field: string; type: string; title: string; scale: { domain?: string[] } };
  };
  layer: Array<{
    mark: { type: string };
    transform?: Array<{ filter: string }>;
    encoding: { y: { field: string; title: string; scale: { type: string } }; y2?: { field: string } };
  }>;
}

export interface LayeredView extends PanelView {
  title: { text: string; subtitle?: string };
  data: { values: BandPoint[] };
}

export interface FacetedView {
  title: { text: string; subtitle?: string };
  data: { values: BandPoint[] };
  facet: { field: string; sort: string[] };
  spec: PanelView;
}

export const layered = (spec: FigureSpec) => spec as unknown as LayeredView;
export const faceted = (spec: FigureSpec) => spec as unknown as FacetedView;

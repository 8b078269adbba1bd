/**
 * @precond/report: figures of run records as Vega-Lite specs (one spec serves the Node report and
 * the browser playground), SVG rendering without a canvas, and a self-contained HTML report.
 * All reading goes through core's RunFolder, so the package runs in Node and in a browser.
 */
export { loadRun, parseMetrics, type LoadedRun } from './run/load-run.js';
export { VEGA_LITE_SCHEMA, type AxisScale, type FigureSpec } from './figures/figure-spec.js';
export { seedBands, metricNumber, median, seriesNames, type BandPoint, type Bands, type Dropped, type RawValue } from './figures/seed-bands.js';
export { lossFigure } from './figures/loss-figure.js';
export { metricFigure, type MetricFigureOptions } from './figures/metric-figure.js';
export { modeErrorFigure, type ModeErrorFigureOptions } from './figures/mode-error-figure.js';
export { defaultFigures, reportFigures } from './figures/default-figures.js';
export {
  ntkFigures,
  ntkSpectrumFigure,
  kernelDistanceFigure,
  ntkMetricNames,
  hasNtkSpectrum,
  hasKernelDistance,
  type NtkSpectrumFigureOptions,
  type KernelDistanceFigureOptions,
} from './figures/ntk-figures.js';
export { renderSvg } from './render/render-svg.js';
export { renderReport, type ReportOptions } from './report/render-report.js';
export { escapeHtml } from './report/html.js';

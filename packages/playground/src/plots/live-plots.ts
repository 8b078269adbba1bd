import type { FigureSpec } from '@precond/report';
import { parse, View } from 'vega';
import { compile } from 'vega-lite';
import { figureTitle } from './figures.js';

/**
 * Live figures on the page: one <figure> per spec, drawn by vega's View with the SVG renderer,
 * the same specs the Node report renders. `show` replaces each figure's view with one for the new
 * spec (the data is inline, so new rows mean a new spec); figures no longer given are removed.
 */
export class LivePlots {
  private readonly views = new Map<string, { figure: HTMLElement; view: View }>();
  private drawing: Promise<void> = Promise.resolve();

  constructor(private readonly container: HTMLElement) {}

  /** Draw `specs`, after any drawing in progress, in order. Resolves when they are on the page. */
  show(specs: readonly FigureSpec[]): Promise<void> {
    this.drawing = this.drawing.then(() => this.draw(specs));
    return this.drawing;
  }

  private async draw(specs: readonly FigureSpec[]): Promise<void> {
    const keep = new Set<string>();
    for (const spec of specs) {
      const title = figureTitle(spec);
      keep.add(title);
      let entry = this.views.get(title);
      const host = document.createElement('div');
      host.className = 'plot';
      // vega tags the data it ingests; a copy keeps the caller's spec as it was.
      const view = new View(parse(compile(structuredClone(spec)).spec), { renderer: 'svg', container: host, hover: true });
      await view.runAsync();
      if (entry) {
        entry.view.finalize();
        entry.figure.querySelector('.plot')!.replaceWith(host);
        entry.view = view;
      } else {
        const figure = document.createElement('figure');
        const caption = document.createElement('figcaption');
        caption.textContent = title;
        figure.append(host, caption);
        this.container.append(figure);
        entry = { figure, view };
        this.views.set(title, entry);
      }
    }
    for (const [title, entry] of this.views) {
      if (keep.has(title)) continue;
      entry.view.finalize();
      entry.figure.remove();
      this.views.delete(title);
    }
  }

  /** Remove every figure. */
  clear(): Promise<void> {
    return this.show([]);
  }
}

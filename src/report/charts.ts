/**
 * Vega-Lite spec → SVG text, in Node, without a browser or a canvas: vega-lite compiles the spec to Vega,
 * a headless Vega View renders it to an SVG string (text is measured by estimate when node-canvas is absent,
 * which is fine for a report). Both packages are ESM-only: this is the one module that loads them.
 */
import { importEsm } from '../cds/esm-import';
import type { TopLevelSpec } from 'vega-lite/build/index';

interface VegaLiteModule {
  compile(spec: TopLevelSpec): { spec: object };
}

interface VegaView {
  toSVG(): Promise<string>;
  finalize(): void;
}

interface VegaModule {
  parse(spec: object): object;
  View: new (runtime: object, options: { renderer: 'none' }) => VegaView;
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vegaLite, vega] = await Promise.all([importEsm<VegaLiteModule>('vega-lite'), importEsm<VegaModule>('vega')]);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

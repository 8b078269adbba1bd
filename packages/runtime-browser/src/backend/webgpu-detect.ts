/** What feature detection found about WebGPU in this page or worker. */
export type WebGPUDetection =
  /** An adapter exists; `device` describes it (vendor, architecture, description) for the run record. */
  | { readonly ok: true; readonly device: string }
  /** No usable WebGPU; `reason` says what is missing and how to get it. */
  | { readonly ok: false; readonly reason: string };

interface AdapterInfoLike {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
}
interface GpuLike {
  requestAdapter(options?: object): Promise<{ readonly info?: AdapterInfoLike } | null>;
}

const HOW_TO_ENABLE =
  'WebGPU needs a browser that ships it (Chromium 113+, Firefox 141+, Safari 26+) and a secure context (https or localhost); ' +
  'Chromium on Linux also needs --enable-unsafe-webgpu (without a GPU it then runs on SwiftShader)';

/**
 * Whether WebGPU can be used here: `navigator.gpu` exists and hands out an adapter. Both are
 * needed; Chromium on Linux exposes `navigator.gpu` but returns no adapter unless WebGPU is enabled.
 * Called before the WebGPU backend package is imported, which registers only when `navigator.gpu`
 * exists and would otherwise fail later, at initialisation, with a less helpful message.
 */
export async function detectWebGPU(): Promise<WebGPUDetection> {
  const gpu = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
  if (!gpu) return { ok: false, reason: `navigator.gpu is missing: this context has no WebGPU. ${HOW_TO_ENABLE}` };
  let adapter: Awaited<ReturnType<GpuLike['requestAdapter']>>;
  try {
    adapter = await gpu.requestAdapter();
  } catch (e) {
    return { ok: false, reason: `navigator.gpu.requestAdapter() threw: ${(e as Error).message}` };
  }
  if (!adapter) {
    return { ok: false, reason: `navigator.gpu.requestAdapter() returned no adapter (WebGPU is disabled or no GPU is usable). ${HOW_TO_ENABLE}` };
  }
  return { ok: true, device: describeAdapter(adapter.info) };
}

/** `google swiftshader (subzero)`: the adapter's vendor, architecture and description, as known. */
export function describeAdapter(info: AdapterInfoLike | undefined): string {
  if (!info) return 'unknown adapter';
  const parts = [info.vendor, info.architecture, info.device].filter((p): p is string => typeof p === 'string' && p.length > 0);
  const text = parts.join(' ');
  const description = info.description && info.description.length > 0 ? info.description : '';
  if (text && description) return `${text} (${description})`;
  return text || description || 'unknown adapter';
}

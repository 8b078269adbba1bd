/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length, a JSON header mapping each name to `{dtype, shape, data_offsets}`, then the raw
 * little-endian bytes. Written by hand because it is forty lines and must run in a browser too.
 */
export type SafetensorsDtype = 'F32' | 'F64' | 'I32' | 'U32' | 'U8' | 'BOOL';

export interface RawTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;
}

const BYTES: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, I32: 4, U32: 4, U8: 1, BOOL: 1 };

function viewOf(dtype: SafetensorsDtype, buffer: ArrayBuffer, offset: number, length: number): RawTensor['data'] {
  switch (dtype) {
    case 'F32':
      return new Float32Array(buffer, offset, length);
    case 'F64':
      return new Float64Array(buffer, offset, length);
    case 'I32':
      return new Int32Array(buffer, offset, length);
    case 'U32':
      return new Uint32Array(buffer, offset, length);
    case 'U8':
    case 'BOOL':
      return new Uint8Array(buffer, offset, length);
  }
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}

/** Encode tensors (in the given order) and optional string metadata. */
export function encodeSafetensors(tensors: Record<string, RawTensor>, metadata?: Record<string, string>): Uint8Array {
  if (!isLittleEndian()) throw new Error('safetensors writing needs a little-endian platform');
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new Error(`safetensors: tensor '${name}' has shape [${t.shape}] (${count} values) but ${t.data.length} values`);
    }
    const bytes = count * BYTES[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned (the format allows it).
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const t of Object.values(tensors)) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(bytes, pos);
    pos += bytes.length;
  }
  return out;
}

/** Decode a safetensors file; tensors come back in file order with copied, aligned data. */
export function decodeSafetensors(bytes: Uint8Array, file = 'safetensors data'): {
  tensors: Record<string, RawTensor>;
  metadata: Record<string, string>;
} {
  if (bytes.length < 8) throw new Error(`${file}: too short to be safetensors (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.length) throw new Error(`${file}: header length ${headerLength} runs past the end of the file`);
  let header: Record<string, { dtype: SafetensorsDtype; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    throw new Error(`${file}: the header is not valid JSON (${(e as Error).message})`);
  }
  const base = 8 + headerLength;
  const tensors: Record<string, RawTensor> = {};
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype: SafetensorsDtype; shape: number[]; data_offsets: [number, number] };
    if (!(e.dtype in BYTES)) throw new Error(`${file}: tensor '${name}' has unsupported dtype '${e.dtype}'; supported: ${Object.keys(BYTES).join(', ')}`);
    const [start, end] = e.data_offsets;
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (end - start !== count * BYTES[e.dtype] || base + end > bytes.length) {
      throw new Error(`${file}: tensor '${name}' offsets [${start}, ${end}] do not fit shape [${e.shape}] of ${e.dtype}`);
    }
    const copy = bytes.slice(base + start, base + end);
    tensors[name] = { dtype: e.dtype, shape: e.shape, data: viewOf(e.dtype, copy.buffer, 0, count) };
  }
  return { tensors, metadata };
}

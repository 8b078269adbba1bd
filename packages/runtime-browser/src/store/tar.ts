/** One file of an archive: a `/`-separated relative path and its bytes. */
export interface TarEntry {
  readonly path: string;
  readonly data: Uint8Array;
}

const BLOCK = 512;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A POSIX ustar archive of `files` (regular files only; folders are implied by the paths, and
 * `tar -xf` creates them). Paths longer than 100 bytes are split into ustar's 155-byte prefix and
 * 100-byte name at a `/`. `mtime` is in seconds since 1970 (default now).
 *
 * @example
 *   const tar = writeTar([{ path: 'run/run.json', data: new TextEncoder().encode('{}') }]);
 */
export function writeTar(files: readonly TarEntry[], mtime = Math.floor(Date.now() / 1000)): Uint8Array {
  const size = files.reduce((n, f) => n + BLOCK + Math.ceil(f.data.length / BLOCK) * BLOCK, 2 * BLOCK);
  const out = new Uint8Array(size);
  let at = 0;
  for (const file of files) {
    const [prefix, name] = splitPath(file.path);
    const header = out.subarray(at, at + BLOCK);
    const put = (text: string, offset: number, length: number) => header.set(encoder.encode(text).subarray(0, length), offset);
    // Numeric fields: zero-padded octal, NUL-terminated.
    const octal = (value: number, offset: number, length: number) => put(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length);
    put(name, 0, 100);
    octal(0o644, 100, 8);
    octal(0, 108, 8);
    octal(0, 116, 8);
    octal(file.data.length, 124, 12);
    octal(mtime, 136, 12);
    put('0', 156, 1);
    put('ustar\0' + '00', 257, 8);
    put(prefix, 345, 155);
    // The checksum is the byte sum of the header with its own field read as eight spaces.
    put(' '.repeat(8), 148, 8);
    const sum = header.reduce((s, b) => s + b, 0);
    put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
    out.set(file.data, at + BLOCK);
    at += BLOCK + Math.ceil(file.data.length / BLOCK) * BLOCK;
  }
  return out; // The two zero blocks that end the archive are already zero.
}

/** ustar's name field holds 100 bytes; longer paths put their leading folders in the 155-byte prefix. */
function splitPath(path: string): [string, string] {
  if (path.length === 0 || path.startsWith('/') || path.split('/').includes('..')) {
    throw new Error(`tar: '${path}' is not a relative path inside the archive`);
  }
  if (encoder.encode(path).length <= 100) return ['', path];
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (encoder.encode(prefix).length <= 155 && encoder.encode(name).length <= 100) return [prefix, name];
  }
  throw new Error(`tar: the path '${path}' is too long for a ustar archive (a name of at most 100 bytes under folders of at most 155)`);
}

/**
 * The regular files of a tar archive (ustar, GNU or pax, as written by `tar -cf` or `writeTar`).
 * Folders, links and other entries are skipped; pax and GNU long names are honoured. Throws on a
 * header whose checksum does not match, naming its offset.
 */
export function readTar(archive: Uint8Array): TarEntry[] {
  const files: TarEntry[] = [];
  let longName: string | null = null;
  for (let at = 0; at + BLOCK <= archive.length; ) {
    const header = archive.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const text = (offset: number, length: number) => {
      const field = header.subarray(offset, offset + length);
      const end = field.indexOf(0);
      return decoder.decode(end < 0 ? field : field.subarray(0, end));
    };
    const number = (offset: number, length: number) => parseInt(text(offset, length).trim() || '0', 8);
    const stored = number(148, 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
    if (sum !== stored) throw new Error(`tar: bad header checksum at byte ${at} (not a tar archive, or a damaged one)`);
    const size = number(124, 12);
    const type = String.fromCharCode(header[156]!);
    const data = archive.slice(at + BLOCK, at + BLOCK + size);
    if (data.length !== size) throw new Error(`tar: the archive ends inside the entry at byte ${at}`);
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = decoder.decode(data).replace(/\0+$/, '');
      continue;
    }
    if (type === 'x') {
      const path = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(decoder.decode(data));
      if (path) longName = path[1]!;
      continue;
    }
    const prefix = text(345, 155);
    const path = longName ?? (prefix ? `${prefix}/${text(0, 100)}` : text(0, 100));
    longName = null;
    if (type === '0' || type === '\0') files.push({ path: path.replace(/^\.\//, ''), data });
  }
  return files;
}

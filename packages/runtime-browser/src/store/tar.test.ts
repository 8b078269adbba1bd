import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readTar, writeTar, type TarEntry } from './tar.js';

const text = (s: string) => new TextEncoder().encode(s);
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'precond-tar-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  while (dirs.length > 0) rmSync(dirs.pop()!, { recursive: true, force: true });
});

// A path of 4 + 12 + 5·16 + 33 = 129 bytes: over ustar's 100-byte name field, so it needs the prefix field.
const LONG = `run/checkpoints/${'step-1234567890/'.repeat(5)}params-of-a-long-name.safetensors`;
// 0, 1, 511, 512 and 513 bytes: empty, tiny, and either side of the 512-byte block size.
const FILES: TarEntry[] = [
  { path: 'run/run.json', data: text('{"format":"precond-run/1"}\n') },
  { path: 'run/metrics.jsonl', data: text('') },
  { path: 'run/a.bin', data: new Uint8Array([7]) },
  { path: 'run/checkpoints/step-0/b.bin', data: Uint8Array.from({ length: 511 }, (_, i) => i % 251) },
  { path: 'run/checkpoints/step-0/c.bin', data: Uint8Array.from({ length: 512 }, (_, i) => (i * 7) % 256) },
  { path: LONG, data: Uint8Array.from({ length: 513 }, (_, i) => (i * 13) % 256) },
];

describe('writeTar', () => {
  it('writes an archive that GNU tar lists and extracts byte for byte', () => {
    expect(LONG.length).toBe(129);
    const dir = tempDir();
    const archive = writeTar(FILES, 1_700_000_000);
    // One header per file, the data in 512-byte blocks, and two zero blocks at the end.
    const blocks = FILES.reduce((n, f) => n + 1 + Math.ceil(f.data.length / 512), 2);
    expect(archive.length).toBe(blocks * 512);
    writeFileSync(join(dir, 'out.tar'), archive);
    const listing = execFileSync('tar', ['-tvf', 'out.tar'], { cwd: dir, encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    expect(listing).toContain('2023-11-14'); // 1_700_000_000 s after 1970-01-01 is 2023-11-14 22:13:20 UTC
    expect(execFileSync('tar', ['-tf', 'out.tar'], { cwd: dir, encoding: 'utf8' }).trim().split('\n')).toEqual(FILES.map((f) => f.path));
    mkdirSync(join(dir, 'x'));
    execFileSync('tar', ['-xf', '../out.tar'], { cwd: join(dir, 'x') });
    for (const f of FILES) expect(new Uint8Array(readFileSync(join(dir, 'x', f.path)))).toEqual(f.data);
  });

  it('reads back what it wrote', () => {
    expect(readTar(writeTar(FILES))).toEqual(FILES);
  });

  it('refuses absolute paths, paths leaving the archive, and names that no ustar header can hold', () => {
    const one = (path: string) => () => writeTar([{ path, data: new Uint8Array() }]);
    expect(one('/etc/passwd')).toThrow("tar: '/etc/passwd' is not a relative path inside the archive");
    expect(one('run/../../x')).toThrow("tar: 'run/../../x' is not a relative path inside the archive");
    expect(one(`run/${'n'.repeat(101)}`)).toThrow(/is too long for a ustar archive/);
  });
});

describe('readTar', () => {
  // GNU tar writes long names as 'L' entries (gnu format) or pax 'x' headers (pax format).
  for (const format of ['ustar', 'gnu', 'pax'] as const) {
    it(`reads an archive that GNU tar wrote in ${format} format, folders skipped`, () => {
      const dir = tempDir();
      for (const f of FILES) {
        mkdirSync(join(dir, 'src', f.path, '..'), { recursive: true });
        writeFileSync(join(dir, 'src', f.path), f.data);
      }
      execFileSync('tar', [`--format=${format}`, '-cf', '../in.tar', 'run'], { cwd: join(dir, 'src') });
      const entries = readTar(new Uint8Array(readFileSync(join(dir, 'in.tar'))));
      const byPath = (a: TarEntry, b: TarEntry) => a.path.localeCompare(b.path);
      expect(entries.sort(byPath)).toEqual([...FILES].sort(byPath));
    });
  }

  it('names the offset of a damaged header', () => {
    const archive = writeTar(FILES.slice(0, 2));
    archive[512 + 512 + 3] = archive[512 + 512 + 3]! ^ 1; // inside the second header (the first file's data is one block)
    expect(() => readTar(archive)).toThrow('tar: bad header checksum at byte 1024 (not a tar archive, or a damaged one)');
  });

  it('says so when the archive is cut inside an entry', () => {
    const archive = writeTar(FILES.slice(3, 4)).slice(0, 512 + 100);
    expect(() => readTar(archive)).toThrow('tar: the archive ends inside the entry at byte 0');
  });
});

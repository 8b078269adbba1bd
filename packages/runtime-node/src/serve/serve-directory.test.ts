import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serveDirectory } from './serve-directory.js';

const root = mkdtempSync(join(tmpdir(), 'serve-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
writeFileSync(join(root, 'index.html'), '<p>page</p>');
writeFileSync(join(root, 'app.wasm'), new Uint8Array([0, 97, 115, 109]));

/** A raw GET of `path` exactly as written (fetch would normalise `..` away before sending). */
function request(url: string, path: string): Promise<{ status: number; type: string | undefined; body: string }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('latin1')));
      res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body }));
    }).on('error', reject);
  });
}

describe('serveDirectory', () => {
  it('serves index.html at /, files with their content types, 404 for missing ones, 403 outside the root, and lists the requests', async () => {
    const server = await serveDirectory(root);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(await request(server.url, '/')).toEqual({ status: 200, type: 'text/html; charset=utf-8', body: '<p>page</p>' });
      // The four bytes written above, served as wasm (browsers refuse to stream-compile otherwise).
      expect(await request(server.url, '/app.wasm')).toEqual({ status: 200, type: 'application/wasm', body: '\0asm' });
      expect((await request(server.url, '/missing.js')).status).toBe(404);
      // `%2e%2e%2f` decodes to `../`: a path that would leave the root is refused, not read.
      expect((await request(server.url, '/%2e%2e%2f%2e%2e%2fetc%2fpasswd')).status).toBe(403);
      expect(server.requests).toEqual(['/', '/app.wasm', '/missing.js', '/../../etc/passwd']);
    } finally {
      await server.close();
    }
  });
});

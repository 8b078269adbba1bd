import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { importOptional } from './optional-module.js';
import { projectWithPackages } from './test-support/fake-packages.js';

describe('importOptional', () => {
  const project = projectWithPackages({
    'precond-test-peer': { version: '1.2.3', source: 'export const answer = 42;' },
    'precond-test-throws': { version: '0.1.0', source: "throw new Error('libexample.so: cannot open shared object file');" },
    'precond-test-needs-missing': { version: '0.1.0', source: "import 'precond-test-not-there';" },
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("loads a package installed in the project, with its package.json's version", async () => {
    const found = await importOptional('precond-test-peer', project);
    expect(found.status).toBe('loaded');
    if (found.status === 'loaded') {
      expect(found.module.answer).toBe(42);
      expect(found.version).toBe('1.2.3');
    }
  });

  it('says missing when neither this package nor the project has it', async () => {
    expect(await importOptional('precond-test-peer', process.cwd())).toEqual({ status: 'missing' });
  });

  it('says broken, with the error, when the package throws while loading', async () => {
    const found = await importOptional('precond-test-throws', project);
    expect(found.status).toBe('broken');
    if (found.status === 'broken') expect(found.error.message).toContain('libexample.so');
  });

  it('says broken, not missing, when the package is there but one of its own imports is not', async () => {
    const found = await importOptional('precond-test-needs-missing', project);
    expect(found.status).toBe('broken');
    if (found.status === 'broken') expect(found.error.message).toContain("'precond-test-not-there'");
  });

  it('loads a dependency of this package by name', async () => {
    const found = await importOptional('@tensorflow/tfjs-backend-cpu', '/');
    expect(found.status).toBe('loaded');
    if (found.status === 'loaded') expect(found.version).toBe(found.module.version_cpu);
  });
});

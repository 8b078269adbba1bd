import { readFileSync } from 'node:fs';

/** This package's version, read from its package.json (one level above both src/ and dist/). */
export const CLI_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** This package's name, recorded with its version in every run. */
export const CLI_PACKAGE = '@precond/cli';

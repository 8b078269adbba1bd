import { defaultClientConditions, defineConfig } from 'vite';

// core imports the CommonJS 'reflect-metadata' before the ES module 'tsyringe', which checks for
// it when it loads. Rolldown hoists ES modules above wrapped CommonJS ones unless told to keep the
// order in which modules execute.
const keepExecutionOrder = { output: { strictExecutionOrder: true } };

// The workspace packages are read from their TypeScript sources (the `@precond/source` export
// condition, as in the tests), so the app builds without building them first.
export default defineConfig({
  base: './',
  resolve: { conditions: ['@precond/source', ...defaultClientConditions] },
  // The run worker imports backends lazily (code-split chunks), which needs ES-module workers.
  worker: { format: 'es', rolldownOptions: keepExecutionOrder },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096, rolldownOptions: keepExecutionOrder },
});

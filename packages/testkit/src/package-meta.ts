/** The package the testkit's own plugins belong to (a test keeps the version equal to package.json). */
export const TESTKIT_PACKAGE = { name: '@precond/testkit', version: '0.1.0' } as const;

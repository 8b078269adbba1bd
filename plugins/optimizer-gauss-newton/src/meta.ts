/** Package identity shared by the plugins (kept equal to package.json; a test checks it). */
export const PACKAGE_NAME = '@precond/optimizer-gauss-newton';
export const PACKAGE_VERSION = '0.1.0';

/** Layer and parameter names may not contain `/`, which separates them in `<layer>/<param>`. */
export function checkName(what: string, name: string): void {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(name)) {
    throw new RangeError(`${what} must be a non-empty name of letters, digits, '_', '.' or '-' (no '/'), got '${String(name)}'`);
  }
}

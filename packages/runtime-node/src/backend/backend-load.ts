/** The outcome of making a backend known to tfjs-core (registering it), before it is switched to. */
export type BackendLoad =
  /** Registered; `version` is the backend package's, `package` the package that provides it. */
  | { readonly ok: true; readonly version: string; readonly package: string }
  /** Not usable here; `reason` says why and what to install. */
  | { readonly ok: false; readonly reason: string };

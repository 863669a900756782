// Which Memgraph release the stand-in imitates. Behaviours that changed between releases are switched
// here by the first release that has them (tag scans in research/memgraph-semantics.md).

export interface ServerVersion {
  readonly text: string;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

export function parseServerVersion(text: string): ServerVersion {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(text);
  if (!m) throw new Error(`stand-in version must look like X.Y.Z, got ${JSON.stringify(text)}`);
  return { text, major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

/** True when `v` is the release `min` or newer. */
export function atLeast(v: ServerVersion, min: string): boolean {
  const o = parseServerVersion(min);
  if (v.major !== o.major) return v.major > o.major;
  if (v.minor !== o.minor) return v.minor > o.minor;
  return v.patch >= o.patch;
}

export const DEFAULT_SERVER_VERSION = '3.12.0';

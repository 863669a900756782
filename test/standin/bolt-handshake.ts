// Test support only. Bolt version negotiation as Memgraph does it, and which versions a given
// Memgraph release accepts (so the stand-in can pretend to be an older server).

/** A Bolt version as major * 256 + minor, the layout of Memgraph's kSupportedVersions. */
export type BoltVersion = number;

export const bolt = (major: number, minor: number): BoltVersion => major * 256 + minor;
export const boltName = (v: BoltVersion): string => `${v >> 8}.${v & 0xff}`;

// constants.hpp:32 kSupportedVersions = {1.0, 4.0, 4.1, 4.3, 4.4, 5.2}.
export const ALL_VERSIONS: readonly BoltVersion[] = [bolt(1, 0), bolt(4, 0), bolt(4, 1), bolt(4, 3), bolt(4, 4), bolt(5, 2)];

export const PREAMBLE = Buffer.from([0x60, 0x60, 0xb0, 0x17]);
export const HANDSHAKE_SIZE = 20;

function parseVersion(text: string): [number, number, number] {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  if (!m) throw new Error(`version ${JSON.stringify(text)} is not of the form X.Y[.Z]`);
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

/**
 * The versions a Memgraph release accepts (memgraph-semantics.md §7, from a tag scan: 4.3 since v2.1,
 * 5.2 since v2.9, 4.4 since v3.12), optionally capped at `max` ("4.3") to emulate an older server.
 */
export function supportedVersions(memgraphVersion?: string, max?: string): BoltVersion[] {
  let versions = [...ALL_VERSIONS];
  if (memgraphVersion !== undefined) {
    const [maj, min] = parseVersion(memgraphVersion);
    const atLeast = (a: number, b: number): boolean => maj > a || (maj === a && min >= b);
    versions = versions.filter((v) => {
      if (v === bolt(4, 3)) return atLeast(2, 1);
      if (v === bolt(5, 2)) return atLeast(2, 9);
      if (v === bolt(4, 4)) return atLeast(3, 12);
      return true;
    });
  }
  if (max !== undefined) {
    const [maj, min] = parseVersion(max);
    versions = versions.filter((v) => v <= bolt(maj, min));
  }
  return versions;
}

/**
 * Picks the version from the client's four slots like states/handshake.hpp:62-138: slots are scanned
 * in order; each is first read as a range (byte 1 = how many minors below byte 2 are also offered,
 * only when major and minor are non-zero), then as an exact version; a zero slot ends the scan.
 * The 255.1 manifest slot driver 6 sends first matches nothing and is skipped.
 * Returns undefined when nothing matches (Memgraph then closes the connection).
 */
export function negotiate(handshake: Buffer, supported: readonly BoltVersion[]): BoltVersion | undefined {
  for (let i = 0; i < 4; i++) {
    const slot = 4 + i * 4;
    const range = handshake[slot + 1]!;
    const minor = handshake[slot + 2]!;
    const major = handshake[slot + 3]!;
    if (major !== 0 && minor !== 0) {
      for (let r = 0; r <= Math.min(range, minor); r++) {
        if (supported.includes(bolt(major, minor - r))) return bolt(major, minor - r);
      }
    }
    const exact = bolt(major, minor);
    if (exact === 0) return undefined;
    if (supported.includes(exact)) return exact;
  }
  return undefined;
}

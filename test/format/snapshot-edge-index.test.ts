// Streaming a snapshot finds every edge's properties whether the edge records are all indexed or
// only sampled (a large file), in vertex order and against it.
import test from 'ava';
import { decodeSnapshot, openSnapshot } from '../../src/format/index.js';
import type { Graph } from '../../src/graph/model.js';
import type { Value } from '../../src/graph/value.js';
import { encodeSnapshot } from './encoder.js';

/** Out-edges whose gids run backwards, forwards and scattered against vertex order; some without properties. */
function graph(n: number): Graph {
  const g: Graph = { vertices: new Map(), edges: new Map(), schema: [] };
  for (let i = 0; i < n; i++) g.vertices.set(BigInt(i), { gid: BigInt(i), labels: ['V'], props: new Map([['i', BigInt(i)]]) });
  for (let i = 0; i < n; i++) {
    for (const [gid, to] of [[3 * n - i, (i + 1) % n], [i * 2 + 1, (i * 7) % n], [(i * 13) % (3 * n) + 4 * n, i]] as const) {
      const props = gid % 3 === 0 ? new Map<string, Value>() : new Map<string, Value>([['w', gid / 7], ['s', `e${gid}`]]);
      g.edges.set(BigInt(gid), { gid: BigInt(gid), from: BigInt(i), to: BigInt(to), type: 'T', props });
    }
  }
  return g;
}

for (const samples of [1, 2, 7, 1 << 20]) {
  test(`edge properties found with at most ${samples} sampled records`, (t) => {
    const bytes = encodeSnapshot(graph(300), { uuid: 'u', startTimestamp: 1n });
    const want = [...decodeSnapshot(bytes).graph.edges.values()];
    const got = [...openSnapshot(bytes, { edgeSamples: samples }).edges()];
    t.is(got.length, 900);
    const byGid = new Map(want.map((e) => [e.gid, e]));
    for (const e of got) t.deepEqual(e, byGid.get(e.gid));
  });
}

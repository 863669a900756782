// Where the Memgraph durability fixtures are: $MGBACKUP_FIXTURES, else ../shared/memgraph-durability
// beside the checkout. They are never committed; tests that need them skip with this reason when absent.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './memgraph-image.js';

export interface FixtureSet {
  /** e.g. "v37/test_all" */
  name: string;
  version: number;
  dir: string;
}

export function fixturesRoot(): string | undefined {
  const candidates = [process.env.MGBACKUP_FIXTURES, path.resolve(REPO_ROOT, '../shared/memgraph-durability')];
  return candidates.find((c): c is string => Boolean(c) && existsSync(c!));
}

export const NO_FIXTURES_REASON =
  'Memgraph durability fixtures not found: set MGBACKUP_FIXTURES or place shared/memgraph-durability beside the repo (bash scripts/fetch-fixtures.sh)';

export function fixtureSets(): FixtureSet[] {
  const root = fixturesRoot();
  if (!root) return [];
  const sets: FixtureSet[] = [];
  for (const v of readdirSync(root).filter((d) => /^v\d+$/.test(d)).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)))) {
    for (const s of readdirSync(path.join(root, v)).sort()) {
      sets.push({ name: `${v}/${s}`, version: Number(v.slice(1)), dir: path.join(root, v, s) });
    }
  }
  return sets;
}

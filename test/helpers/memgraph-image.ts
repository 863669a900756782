// The pinned Memgraph image for container tests: docker/memgraph.image is the one place it lives.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function memgraphImage(): string {
  return readFileSync(path.join(REPO_ROOT, 'docker/memgraph.image'), 'utf8').trim();
}

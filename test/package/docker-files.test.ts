// The Docker files cannot be built here (no Docker engine), so this checks the promises they make in
// text: Node 24 in both stages, a compiler only in the build stage, a repository folder the image's user
// owns, and a compose file whose backup repository is not a root-owned bind mount.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { REPO_ROOT } from '../helpers/memgraph-image.js';

const read = (f: string) => fs.readFileSync(path.join(REPO_ROOT, f), 'utf8');
/** The Dockerfile split at its FROM lines, comments dropped. */
function stages(): string[] {
  const text = read('docker/Dockerfile').split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n');
  return text.split(/^(?=FROM )/m).filter((s) => s.startsWith('FROM '));
}

test('Dockerfile: two stages on node 24; g++/make/python3 only in the build stage; runs as 101:103 with /backups its own', (t) => {
  const [build, runtime, ...more] = stages();
  t.deepEqual(more, []);
  t.regex(build!, /^FROM node:24-bookworm-slim AS build$/m);
  t.regex(runtime!, /^FROM node:24-bookworm-slim$/m);
  for (const tool of ['g++', 'make', 'python3']) t.regex(build!, new RegExp(`apt-get install [^\\n]*${tool.replace('+', '\\+')}`));
  t.notRegex(runtime!, /apt-get install|g\+\+|zstd/);
  t.regex(build!, /npm ci\b/);
  t.regex(runtime!, /chown 101:103 \/backups/);
  t.regex(runtime!, /^USER 101:103$/m);
  t.regex(runtime!, /^ENTRYPOINT \["node", "\/app\/dist\/src\/bin\.js"\]$/m);
});

test('compose: the repository is a named volume (no root-owned ./backups bind mount); the Engine service mounts docker.sock', (t) => {
  const compose = read('docker/compose.yaml').split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n');
  t.notRegex(compose, /-\s+\.\/?[\w.-]*:\/backups/);
  t.regex(compose, /^\s+- backups:\/backups$/m);
  t.regex(compose, /^volumes:\n(?:\s+\w+:\n)*\s+backups:$/m);
  t.regex(compose, /^\s+- \/var\/run\/docker\.sock:\/var\/run\/docker\.sock$/m);
});

test('.dockerignore keeps host installs and builds out of the context', (t) => {
  const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const p of ['node_modules', 'dist', '.git']) t.true(ignored.includes(p), p);
});

test('README documents the image build command', (t) => {
  t.true(read('README.md').includes('docker build -t mgbackup -f docker/Dockerfile .'));
});

// One way of create's copy step, run by `create.js --copy-step` in a fresh process. Kept apart from
// create.ts so the child loads only what the copy needs: create.ts imports the stand-in (grammar
// parsers) and the driver, whose loading alone cost about 0.2 s of system CPU, more than the copy.
// Usage: node dist/scripts/bench/copy-way.js copyAndHash|copyfile+hash|startup SRC DEST
import fs from 'node:fs';
import { copyAndHash, hashFile } from '../../src/store/checksum.js';

const [way, src, dest] = process.argv.slice(2) as [string, string, string];
if (way === 'copyAndHash') {
  // As create copies a pinned local file: a file handle's read stream over the pinned size.
  const fh = await fs.promises.open(src, 'r');
  await copyAndHash(fh.createReadStream({ start: 0, end: fs.statSync(src).size - 1, autoClose: true }), dest);
} else if (way === 'copyfile+hash') {
  fs.copyFileSync(src, dest, fs.constants.COPYFILE_EXCL);
  await hashFile(dest);
  const fd = fs.openSync(dest, 'r+');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
} else if (way !== 'startup') {
  throw new Error(`unknown way ${way}`);
}

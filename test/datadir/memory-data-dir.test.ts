import test from 'ava';
import { MemoryDataDir } from '../../src/datadir/memory-data-dir.js';
import { dataDirContract } from './data-dir.contract.js';

dataDirContract(test, 'memory', async (memgraphLike) => {
  const dir = new MemoryDataDir();
  if (memgraphLike) {
    await dir.mkdir('snapshots');
    await dir.mkdir('wal');
  }
  return { dir, cleanup: async () => {} };
});

import test from 'ava';
import { MemoryBackend } from '../../src/repo/memory-backend.js';
import { backendContract } from './backend.contract.js';

backendContract(test, 'memory', async () => ({ backend: new MemoryBackend(), cleanup: async () => {} }));

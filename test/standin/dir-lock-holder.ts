// Test support: the stand-in holds <data-dir>/.lock the way Memgraph does, with a POSIX
// fcntl(F_SETLK, F_WRLCK) lock on the whole file (Memgraph utils/file.cpp OutputFile::AcquireLock,
// taken at startup in memgraph.cpp and storage.cpp). Node has no fcntl, so a tiny python3 process
// takes and holds the lock; it is independent of mgbackup's own native probe, so a test of restore's
// refusal is not mgbackup checking itself. The holder exits when its stdin closes, so the lock goes
// away with the stand-in however the stand-in ends (SIGKILL included), as Memgraph's does.
import { spawn } from 'node:child_process';
import path from 'node:path';

export interface DirLock {
  /** The holder's pid: the pid a lock probe reports. */
  pid: number;
  release(): Promise<void>;
}

const SCRIPT = [
  'import fcntl, sys',
  'f = open(sys.argv[1], "a+")',
  'try:',
  '    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)',
  'except OSError as e:',
  '    print("busy " + str(e), flush=True)',
  '    sys.exit(3)',
  'print("locked", flush=True)',
  'sys.stdin.read()',
].join('\n');

/** Takes the lock (fails like Memgraph when another process holds it) and keeps it until release(). */
export async function holdDirLock(dataDir: string): Promise<DirLock> {
  const file = path.join(dataDir, '.lock');
  const child = spawn('python3', ['-c', SCRIPT, file], { stdio: ['pipe', 'pipe', 'inherit'] });
  const first = await new Promise<string>((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`cannot start the .lock holder (python3): ${err.message}`)));
    child.once('exit', (code) => reject(new Error(`the .lock holder exited with ${code}`)));
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
  });
  child.removeAllListeners('exit');
  if (first !== 'locked') {
    throw new Error(`Couldn't acquire lock on the storage directory ${dataDir}! Another process holds ${file} (${first})`);
  }
  let exited = false;
  child.once('exit', () => (exited = true));
  return {
    pid: child.pid!,
    release: () => new Promise<void>((resolve) => {
      if (exited) return resolve();
      child.once('exit', () => resolve());
      child.stdin.end();
    }),
  };
}

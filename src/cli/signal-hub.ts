// The first thing the executable does: catch SIGINT, SIGTERM and SIGHUP. Loading the rest of mgbackup
// (yargs, the driver) takes a noticeable time; a signal in that window used to kill the process with
// the default action (exit 143, no message). Signals that arrive before anyone listens are kept and
// handed to the first subscriber, so the entry point turns them into "interrupted" (130) like any other.
// This module must stay free of imports: it is loaded before everything else.

/** SIGHUP (a closed terminal or a stopped session) ends a run the same way SIGTERM does. */
export const HANDLED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

type Handler = (signal: string) => void;

const handlers = new Set<Handler>();
const pending: string[] = [];
let installed = false;

function deliver(signal: string): void {
  if (handlers.size === 0) pending.push(signal);
  else for (const h of [...handlers]) h(signal);
}

export function installSignalHub(): void {
  if (installed) return;
  installed = true;
  for (const s of HANDLED_SIGNALS) process.on(s, () => deliver(s));
}

/** Subscribes to the handled signals (installing the hub if needed); replays any that came early. */
export function onProcessSignal(handler: Handler): () => void {
  installSignalHub();
  handlers.add(handler);
  for (const s of pending.splice(0)) handler(s);
  return () => {
    handlers.delete(handler);
  };
}

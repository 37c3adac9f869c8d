import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Which processes hold the given pipes open, as `pid 4242 (sleep)`: when a
 * command has exited but its output pipes stay open, these are what it left
 * behind (a `setsid` grandchild has left our process group, so only its open
 * descriptors lead to it). Linux /proc; empty where it cannot tell (another
 * user's processes, no /proc). Only called in that rare case: it reads every
 * process's descriptor table.
 */
export function pipeHolders(pipes: readonly string[], exceptPid: number = process.pid): string[] {
  if (pipes.length === 0) return [];
  const wanted = new Set(pipes);
  const found: string[] = [];
  for (const entry of safeList('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === exceptPid) continue;
    const holds = safeList(`/proc/${entry}/fd`).some((fd) => wanted.has(safeLink(`/proc/${entry}/fd/${fd}`)));
    if (holds) found.push(`pid ${entry} (${processName(Number(entry))})`);
  }
  return found;
}

/**
 * What a just-started child's stdout and stderr are (`socket:[12345]`: Node
 * gives children one end of a socket pair, and that end is what any process
 * they start inherits). Read right after spawn: a command that is gone again
 * within a millisecond or so cannot be looked at, and its leftovers go unnamed.
 */
export function outputIdentities(pid: number | undefined): string[] {
  if (pid === undefined) return [];
  return [1, 2].map((fd) => safeLink(`/proc/${pid}/fd/${fd}`)).filter((link) => /^(socket|pipe):\[\d+\]$/.test(link));
}

function processName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return 'gone';
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function safeLink(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

import { LeaseHeldError } from '../errors.js';
import type { Database } from './database.js';

export interface LeaseOwner {
  readonly pid: number;
  readonly host: string;
  readonly command: string;
}

export interface LeaseRow extends LeaseOwner {
  readonly name: string;
  readonly runId: number | null;
  readonly acquiredAt: string;
  readonly expiresAt: string;
}

/**
 * One cycle at a time: a named lease row with its owner and an expiry that the
 * owner keeps pushing forward. A lease whose owner died (same host, pid gone)
 * or that expired is taken over.
 */
export class LeaseRepository {
  constructor(private readonly db: Database) {}

  /** Takes the lease or throws LeaseHeldError naming the holder. Returns the stale lease it replaced, if any. */
  acquire(name: string, owner: LeaseOwner, now: Date, ttlMs: number, isAlive: (pid: number) => boolean): LeaseRow | null {
    return this.db
      .transaction((): LeaseRow | null => {
        const current = this.get(name);
        if (current && !isStale(current, owner.host, now, isAlive)) {
          throw new LeaseHeldError({ pid: current.pid, host: current.host, command: current.command, since: current.acquiredAt, until: current.expiresAt });
        }
        this.db
          .prepare(
            `INSERT INTO leases (name, owner_pid, owner_host, command, run_id, acquired_at, expires_at) VALUES (?, ?, ?, ?, NULL, ?, ?)
             ON CONFLICT(name) DO UPDATE SET owner_pid = excluded.owner_pid, owner_host = excluded.owner_host, command = excluded.command,
               run_id = NULL, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`,
          )
          .run(name, owner.pid, owner.host, owner.command, now.toISOString(), new Date(now.getTime() + ttlMs).toISOString());
        return current;
      })
      .immediate();
  }

  attachRun(name: string, pid: number, runId: number): void {
    this.db.prepare('UPDATE leases SET run_id = ? WHERE name = ? AND owner_pid = ?').run(runId, name, pid);
  }

  /** Pushes the expiry forward; false when the lease is no longer ours. */
  renew(name: string, pid: number, now: Date, ttlMs: number): boolean {
    const info = this.db
      .prepare('UPDATE leases SET expires_at = ? WHERE name = ? AND owner_pid = ?')
      .run(new Date(now.getTime() + ttlMs).toISOString(), name, pid);
    return info.changes === 1;
  }

  release(name: string, pid: number): void {
    this.db.prepare('DELETE FROM leases WHERE name = ? AND owner_pid = ?').run(name, pid);
  }

  get(name: string): LeaseRow | null {
    const r = this.db.prepare('SELECT * FROM leases WHERE name = ?').get(name) as Record<string, string | number | null> | undefined;
    if (!r) return null;
    return {
      name: String(r.name),
      pid: Number(r.owner_pid),
      host: String(r.owner_host),
      command: String(r.command),
      runId: r.run_id === null ? null : Number(r.run_id),
      acquiredAt: String(r.acquired_at),
      expiresAt: String(r.expires_at),
    };
  }
}

function isStale(lease: LeaseRow, host: string, now: Date, isAlive: (pid: number) => boolean): boolean {
  if (Date.parse(lease.expiresAt) <= now.getTime()) return true;
  return lease.host === host && !isAlive(lease.pid);
}


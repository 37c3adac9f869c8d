import type { Database } from './database.js';

export interface CachedAnswer {
  readonly deploymentId: string;
  readonly etag: string | null;
  /** The raw JSON body as the portal sent it (already validated once). */
  readonly body: string;
  readonly fetchedAt: string;
}

/** The portal's last good answer per deployment: the ETag for If-None-Match, and a fallback to show. */
export class PortalCacheRepository {
  constructor(private readonly db: Database) {}

  get(deploymentId: string): CachedAnswer | null {
    const r = this.db.prepare('SELECT * FROM portal_cache WHERE deployment_id = ?').get(deploymentId) as Record<string, string | null> | undefined;
    if (!r) return null;
    return { deploymentId: r.deployment_id!, etag: r.etag ?? null, body: r.body!, fetchedAt: r.fetched_at! };
  }

  put(answer: CachedAnswer): void {
    this.db
      .prepare(
        `INSERT INTO portal_cache (deployment_id, etag, body, fetched_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(deployment_id) DO UPDATE SET etag = excluded.etag, body = excluded.body, fetched_at = excluded.fetched_at`,
      )
      .run(answer.deploymentId, answer.etag, answer.body, answer.fetchedAt);
  }

  /** A 304 confirms the cached body is still current. */
  touch(deploymentId: string, at: string): void {
    this.db.prepare('UPDATE portal_cache SET fetched_at = ? WHERE deployment_id = ?').run(at, deploymentId);
  }
}

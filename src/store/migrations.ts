/**
 * Numbered schema migrations. Each runs once, in a transaction, and bumps
 * `PRAGMA user_version`. Never edit a released migration: add the next one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: deployments, current expiries, their history, runs, module states.
  `
  CREATE TABLE deployments (
    id            TEXT PRIMARY KEY,
    host          TEXT NOT NULL DEFAULT 'local',
    product_name  TEXT,
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL
  );

  CREATE TABLE runs (
    id             INTEGER PRIMARY KEY,
    deployment_id  TEXT,
    host           TEXT NOT NULL DEFAULT 'local',
    trigger        TEXT NOT NULL,
    command        TEXT NOT NULL,
    dry_run        INTEGER NOT NULL DEFAULT 0,
    pid            INTEGER,
    started_at     TEXT NOT NULL,
    ended_at       TEXT,
    outcome        TEXT CHECK (outcome IN ('up-to-date','applied','pending','failed','unreachable','interrupted')),
    error          TEXT,
    details        TEXT
  );
  CREATE INDEX runs_by_time ON runs (started_at);
  CREATE INDEX runs_by_deployment ON runs (deployment_id, started_at);

  -- The current expiry of every licensed item. 'never' is stored as the text
  -- 'never', never as 0 or a far date.
  CREATE TABLE items (
    deployment_id  TEXT NOT NULL REFERENCES deployments(id),
    item           TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('activation','support-contract','module-license','module-maintenance')),
    module_key     TEXT,
    label          TEXT NOT NULL,
    expiry         TEXT NOT NULL CHECK (expiry = 'never' OR expiry GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    source         TEXT NOT NULL,
    first_seen     TEXT NOT NULL,
    confirmed_at   TEXT NOT NULL,
    PRIMARY KEY (deployment_id, item)
  );

  -- Every change of an expiry: NULL old means first seen, NULL new means no longer listed.
  CREATE TABLE expiry_changes (
    id             INTEGER PRIMARY KEY,
    deployment_id  TEXT NOT NULL REFERENCES deployments(id),
    item           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    label          TEXT NOT NULL,
    old_expiry     TEXT,
    new_expiry     TEXT,
    changed_at     TEXT NOT NULL,
    source         TEXT NOT NULL,
    run_id         INTEGER REFERENCES runs(id)
  );
  CREATE INDEX changes_by_time ON expiry_changes (changed_at);
  CREATE INDEX changes_by_item ON expiry_changes (deployment_id, item, changed_at);

  -- Modules as fwconsole ma list showed them last.
  CREATE TABLE modules (
    deployment_id  TEXT NOT NULL REFERENCES deployments(id),
    name           TEXT NOT NULL,
    version        TEXT NOT NULL,
    status_text    TEXT NOT NULL,
    state          TEXT NOT NULL,
    license        TEXT NOT NULL,
    commercial     INTEGER NOT NULL,
    seen_at        TEXT NOT NULL,
    PRIMARY KEY (deployment_id, name)
  );

  CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
  );
  `,
  // 2: fleet status asks for the newest run of every host.
  `
  CREATE INDEX runs_by_host ON runs (host);
  `,
];

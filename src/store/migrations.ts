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
  // 2: one cycle at a time (a lease with its owner), and the portal's last good answer.
  `
  CREATE TABLE leases (
    name         TEXT PRIMARY KEY,
    owner_pid    INTEGER NOT NULL,
    owner_host   TEXT NOT NULL,
    command      TEXT NOT NULL,
    run_id       INTEGER REFERENCES runs(id),
    acquired_at  TEXT NOT NULL,
    expires_at   TEXT NOT NULL
  );

  CREATE TABLE portal_cache (
    deployment_id  TEXT PRIMARY KEY,
    etag           TEXT,
    body           TEXT NOT NULL,
    fetched_at     TEXT NOT NULL
  );
  `,
  // 3: alerts: what was announced, the outbox, and per-channel delivery state.
  `
  -- One row per thing announced: an item's expiry value ('expiry/<deployment>/<item>/<expiry>')
  -- or an operational condition ('op/<kind>/<scope>'). closed_at set: resolved; a new
  -- announcement for the same subject starts afresh.
  CREATE TABLE alert_marks (
    subject        TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    deployment_id  TEXT,
    item           TEXT,
    expiry         TEXT,
    stage          TEXT NOT NULL,
    detail         TEXT NOT NULL DEFAULT '',
    opened_at      TEXT NOT NULL,
    notified_at    TEXT NOT NULL,
    closed_at      TEXT
  );

  -- The outbox: every alert is written here before any channel sees it.
  CREATE TABLE alert_events (
    id             INTEGER PRIMARY KEY,
    uid            TEXT NOT NULL UNIQUE,
    dedup_key      TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL,
    severity       TEXT NOT NULL CHECK (severity IN ('info','warning','critical')),
    deployment_id  TEXT,
    subjects       TEXT NOT NULL DEFAULT '[]',
    title          TEXT NOT NULL,
    body           TEXT NOT NULL,
    data           TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','delivered','superseded')),
    delivered_at   TEXT
  );
  CREATE INDEX alert_events_by_status ON alert_events (status, id);

  -- One row per (alert, channel): 'sending' is claimed by a process (pid) while it talks to the channel.
  CREATE TABLE alert_deliveries (
    event_id         INTEGER NOT NULL REFERENCES alert_events(id),
    channel          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending','sending','delivered','failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    last_attempt_at  TEXT,
    claimed_by       INTEGER,
    delivered_at     TEXT,
    PRIMARY KEY (event_id, channel)
  );
  CREATE INDEX alert_deliveries_by_channel ON alert_deliveries (channel, status);

  -- Backoff per channel: a channel that failed is left alone until retry_at.
  CREATE TABLE alert_channels (
    channel      TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL DEFAULT 0,
    retry_at     TEXT,
    last_error   TEXT,
    last_ok_at   TEXT
  );
  `,
  // 4: fleet status asks for the newest run of every host.
  `
  CREATE INDEX runs_by_host ON runs (host);
  `,
  // 5: \`history --module\` across every deployment: newest changes of one item id, without
  // visiting each deployment's entries of changes_by_item (15 ms -> 1 ms on a 10-year fleet store).
  `
  CREATE INDEX changes_by_item_time ON expiry_changes (item, changed_at);
  `,
  // 6 (fidelity): the Signature column of ma list, so `status` and `doctor` can name unsigned commercial modules.
  `
  ALTER TABLE modules ADD COLUMN signature TEXT NOT NULL DEFAULT '';
  `,
  // 7 (views-fast): each item's change count and newest change (the calendar's SEQUENCE and DTSTAMP) kept
  // on the item, so the views read them with the items instead of counting half a million changes on a
  // 10-year fleet store (0.3 s of every full calendar). The same count as before: every history row of
  // the (deployment, item), also those from before it was last gone; ExpiryRepository.record keeps it.
  `
  ALTER TABLE items ADD COLUMN changes INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE items ADD COLUMN last_changed_at TEXT;
  UPDATE items SET (changes, last_changed_at) =
    (SELECT COUNT(*), MAX(c.changed_at) FROM expiry_changes c WHERE c.deployment_id = items.deployment_id AND c.item = items.item);
  `,
];

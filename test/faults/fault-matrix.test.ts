import { beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../src/core/expiry.js';
import { recordPurchase } from '../../src/sandbox/portal-side.js';
import type { FwconsoleFault, PortalFault, SandboxState } from '../../src/sandbox/state.js';
import type { Outcome } from '../../src/store/runs.js';
import type { Store } from '../../src/store/store.js';
import { editConfig } from '../helpers/cycle.js';
import { changeLines, sharedFaultWorld, type FaultWorld } from '../helpers/fault-world.js';

/**
 * Every fault the sandbox can simulate, through the CLI (`check --json`) with
 * a renewal waiting on the portal: the outcome and exit code README's
 * "Outcomes" table promises, a message saying what happened, the run recorded
 * with it, nothing recorded before lost, and the store intact. Rows of a
 * table run one after another on one sandbox; each buys a later renewal.
 */
const EXIT: Record<Outcome, number> = { 'up-to-date': 0, applied: 0, pending: 3, failed: 4, unreachable: 5 };

interface Row {
  readonly fault: string;
  readonly outcome: Outcome;
  /** What the error message must say; null when nothing goes wrong. */
  readonly says: RegExp | null;
  readonly setup?: (state: SandboxState) => void;
}

interface CheckJson {
  readonly runId: number;
  readonly outcome: Outcome;
  readonly error: { readonly message: string; readonly hint: string } | null;
}

let renewals = 0;

/** Runs one row: buys a renewal, sets the fault, runs `check --json`, clears the fault; checks everything the row promises. */
async function runRow(world: FaultWorld, row: Row, setFault: (state: SandboxState) => void): Promise<void> {
  renewals += 1;
  const until = addDays('2027-12-31', renewals);
  recordPurchase(world.dir, { module: 'broadcast', until });
  world.sandbox.edit((s) => {
    setFault(s);
    row.setup?.(s);
  });
  const before = world.inspect(snapshot);
  const activations = world.sandbox.read().pbx.calls['sa activate'] ?? 0;

  const check = await world.cli(['check', '--json']);
  world.sandbox.edit((s) => {
    s.pbx.faults = {};
    s.portal.fault = 'none';
  });

  const label = `${row.fault}: ${check.stderr}`;
  expect(check.code, label).toBe(EXIT[row.outcome]);
  const result = JSON.parse(check.stdout) as CheckJson;
  expect(result.outcome, label).toBe(row.outcome);
  if (row.says === null) expect(result.error, label).toBeNull();
  else {
    expect(result.error?.message, label).toMatch(row.says);
    expect(result.error?.hint, label).toMatch(/\w{3,}/);
  }
  const after = world.inspect(snapshot);
  expect(world.inspect((s) => s.runs.get(result.runId)), label).toMatchObject({ outcome: row.outcome, error: result.error?.message ?? null, endedAt: expect.any(String) });
  expect(world.inspect((s) => s.integrityCheck()), label).toEqual(['ok']);
  // Nothing lost: the history only grew, and the items are those before with this run's changes, nothing else.
  expect(after.changes.slice(0, before.changes.length), label).toEqual(before.changes);
  const changed = new Map(before.items);
  for (const c of world.inspect((s) => s.expiries.changes().filter((x) => x.runId === result.runId).reverse())) {
    if (c.newExpiry === null) changed.delete(c.item);
    else changed.set(c.item, c.newExpiry);
  }
  expect(after.items, label).toEqual(changed);
  const pbx = world.sandbox.read().pbx;
  if (row.outcome === 'applied') expect(pbx.licence.broadcast, label).toBe(until);
  else expect(pbx.licence.broadcast, label).not.toBe(until);
  // Unreachable means nothing was changed on the PBX.
  if (row.outcome === 'unreachable') expect(pbx.calls['sa activate'] ?? 0, label).toBe(activations);
}

function snapshot(store: Store) {
  return { items: new Map(store.expiries.items().map((i) => [i.item, i.expiry])), changes: changeLines(store) };
}

/** One shared sandbox per table, its config tuned, read once before the first row. */
function tableWorld(tune: (config: Record<string, any>) => void): () => FaultWorld {
  const world = sharedFaultWorld();
  beforeAll(async () => {
    editConfig(world().config, tune);
    const first = await world().cli(['check']);
    expect(first.code, first.stderr).toBe(0);
  });
  return world;
}

describe('portal faults through check', () => {
  const world = tableWorld((c) => {
    c.portal.timeout = '2s';
    c.portal.retries = 1;
    c.portal.retryMax = '2s';
  });
  const rows: Array<Row & { fault: PortalFault; label?: string }> = [
    { fault: 'slow', label: 'slow, within portal.timeout', outcome: 'applied', says: null, setup: (s) => void (s.portal.slowSeconds = 0.3) },
    { fault: 'slow', label: 'slow, beyond portal.timeout', outcome: 'unreachable', says: /did not answer within 2s/, setup: (s) => void (s.portal.slowSeconds = 10) },
    { fault: '5xx', outcome: 'unreachable', says: /HTTP 503/ },
    { fault: '5xx', label: '503 asking for 28 hours: no wait beyond portal.retryMax', outcome: 'unreachable', says: /HTTP 503.*come back in 28h/, setup: (s) => void (s.portal.retryAfterSeconds = 100_000) },
    { fault: '429', outcome: 'unreachable', says: /429/, setup: (s) => void (s.portal.retryAfterSeconds = 1) },
    { fault: '429', label: '429 asking for 28 hours: no wait beyond portal.retryMax', outcome: 'unreachable', says: /429.*come back in 28h/, setup: (s) => void (s.portal.retryAfterSeconds = 100_000) },
    { fault: 'bad-json', outcome: 'unreachable', says: /not JSON/ },
    { fault: 'bad-schema', outcome: 'unreachable', says: /does not follow the portal contract/ },
    { fault: 'hang', outcome: 'unreachable', says: /did not answer within 2s/ },
    // 200 at once, then a byte a second: every attempt ends at portal.timeout all the same (world.cli bounds the run at 60 s).
    { fault: 'trickle', outcome: 'unreachable', says: /did not answer within 2s/ },
    { fault: 'reset', outcome: 'unreachable', says: /closed the connection|reset/ },
    { fault: 'unauthorized', outcome: 'failed', says: /refused the token/ },
    { fault: 'redirect-loop', outcome: 'unreachable', says: /redirect/ },
    { fault: 'huge', outcome: 'unreachable', says: /sent more than 1 MiB; the answer was refused/ },
  ];

  it.each(rows.map((r) => ({ ...r, name: r.label ?? r.fault })))('$name: $outcome', (row) => runRow(world(), row, (s) => void (s.portal.fault = row.fault)));
});

type Command = 'sa info' | 'ma list' | 'sa activate' | 'sa update';

/** The seven fwconsole faults for one command: what a read and what an apply step make of each. */
function fwconsoleRows(command: Command): Array<Row & { fault: FwconsoleFault }> {
  const read = command === 'sa info' || command === 'ma list';
  const stopped = new RegExp(`fwconsole ${command}.* did not finish within 3s and was stopped`);
  const unseen = /renewal applied but not visible on the PBX after 2 attempts: broadcast licence: PBX shows \S+, portal \S+/;
  return read
    ? [
        { fault: 'hang', outcome: 'unreachable', says: stopped },
        { fault: 'garbage', outcome: 'unreachable', says: new RegExp(`unrecognised output from fwconsole ${command}`) },
        { fault: 'empty', outcome: 'unreachable', says: new RegExp(`unrecognised output from fwconsole ${command}: it printed nothing`) },
        { fault: 'exit-1', outcome: 'unreachable', says: new RegExp(`fwconsole ${command} exited with status 1: SQLSTATE\\[HY000\\]`) },
        // The sandbox's network and no-change faults only concern the commands that talk to Sangoma (activate, update).
        { fault: 'network', outcome: 'applied', says: null },
        { fault: 'no-change', outcome: 'applied', says: null },
        { fault: 'slow', outcome: 'applied', says: null },
      ]
    : [
        { fault: 'hang', outcome: 'failed', says: stopped },
        { fault: 'garbage', outcome: 'failed', says: unseen },
        { fault: 'empty', outcome: 'failed', says: unseen },
        { fault: 'exit-1', outcome: 'failed', says: new RegExp(`fwconsole ${command}.* exited with status 1: SQLSTATE\\[HY000\\]`) },
        { fault: 'network', outcome: 'failed', says: /Unable to connect to servers from URLs provided/ },
        { fault: 'no-change', outcome: 'failed', says: unseen },
        { fault: 'slow', outcome: 'applied', says: null },
      ];
}

describe.each(['sa info', 'ma list', 'sa activate', 'sa update'] as const)('fwconsole %s faults through check', (command) => {
  const world = tableWorld((c) => {
    c.pbx.readTimeout = '3s';
    c.pbx.applyTimeout = '3s';
    // `sa update` is only run with applyCommand "update" (and only sees renewals the activation servers pushed).
    if (command === 'sa update') c.pbx.applyCommand = 'update';
  });
  const visibleToUpdate = (s: SandboxState) => {
    s.pbx.slowSeconds = 1;
    if (command === 'sa update') s.portal.deployments[s.pbx.deploymentId]!.modules.broadcast!.visibleToUpdate = true;
  };

  it.each(fwconsoleRows(command))('$fault: $outcome', (row) => runRow(world(), { ...row, setup: visibleToUpdate }, (s) => void (s.pbx.faults[command] = row.fault)));
});

import { describe, expect, it } from 'vitest';
import { clockVerdict, hostConditions, moduleConditions, planConditionChanges, unverifiedCondition } from '../../src/alerts/health-policy.js';
import type { AlertMark, HostRunFacts } from '../../src/store/alert-state.js';
import type { RunRecord } from '../../src/store/runs.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const settings = { failingForMs: 12 * HOUR, deadManAfterMs: 36 * HOUR, maxClockSkewMs: 5 * MIN };
const NOW = new Date('2026-11-26T12:00:00Z');

function run(id: number, startedAt: string, outcome: RunRecord['outcome'], details: Record<string, unknown> | null = null): RunRecord {
  return { id, deploymentId: '631', host: 'local', trigger: 'schedule', command: 'check', dryRun: false, pid: 1, startedAt, endedAt: startedAt, outcome, error: outcome === 'unreachable' ? 'portal down' : null, details };
}

function facts(over: Partial<HostRunFacts>): HostRunFacts {
  // Unless a test says otherwise, every run's time is believable: the last success is also the last trusted one.
  return { host: 'local', firstRun: null, lastFinished: null, lastSuccess: null, failingSince: null, failuresSinceSuccess: 0, lastClock: null, lastTrustedSuccess: over.lastSuccess ?? null, ...over };
}

describe('clockVerdict', () => {
  it.each([
    ['no details', null, true],
    ['no clock field', { warnings: [] }, true],
    ['clock is not an object', { clock: 'yes' }, true],
    ['synchronized, small skew', { clock: { synchronized: true, skewMs: 2000 } }, true],
    ['unknown sync, small skew', { clock: { synchronized: null, skewMs: -1000 } }, true],
    ['unsynchronized', { clock: { synchronized: false, skewMs: null } }, false],
    ['synchronized but 2h ahead of the portal', { clock: { synchronized: true, skewMs: 2 * HOUR } }, false],
    ['10 minutes behind', { clock: { synchronized: null, skewMs: -10 * MIN } }, false],
    ['skew is not a number', { clock: { synchronized: true, skewMs: 'lots' } }, true],
  ])('%s -> trusted %s', (_what, details, trusted) => {
    expect(clockVerdict(details, settings.maxClockSkewMs).trusted).toBe(trusted);
  });

  it('says why, including the reason the cycle gave', () => {
    const verdict = clockVerdict({ clock: { synchronized: false, skewMs: -2 * HOUR, reason: 'timedatectl: NTPSynchronized=no' } }, settings.maxClockSkewMs);

    expect(verdict.reason).toBe("the system clock is not synchronized (NTP); the system clock is 2h behind the portal's (timedatectl: NTPSynchronized=no)");
  });
});

describe('hostConditions', () => {
  it('a success recorded in the future (the clock ran ahead) does not keep the dead-man quiet', () => {
    const real = run(1, '2026-11-20T03:00:00Z', 'up-to-date');
    const future = run(2, '2031-11-20T03:00:00Z', 'up-to-date');
    const failing = run(3, '2026-11-26T11:00:00Z', 'unreachable');

    const conditions = hostConditions(facts({ firstRun: real, lastSuccess: future, lastTrustedSuccess: real, failingSince: failing, lastFinished: failing, failuresSinceSuccess: 1 }), NOW, settings);

    expect(conditions.map((c) => c.kind)).toEqual(['dead-man']);
    expect(conditions[0]!.facts).toMatchObject({ since: '2026-11-20T03:00:00Z', futureSuccess: '2031-11-20T03:00:00Z' });
  });

  it('is quiet while checks succeed', () => {
    const ok = run(5, '2026-11-26T03:00:00Z', 'up-to-date');

    expect(hostConditions(facts({ firstRun: run(1, '2026-11-01T03:00:00Z', 'up-to-date'), lastFinished: ok, lastSuccess: ok }), NOW, settings)).toEqual([]);
  });

  it.each([
    ['failing 11h: not yet', '2026-11-26T01:00:00Z', []],
    ['failing 13h: failing', '2026-11-25T23:00:00Z', ['failing']],
    ['failing 2 days: failing and dead-man', '2026-11-24T12:00:00Z', ['failing', 'dead-man']],
  ])('%s', (_what, firstFailure, kinds) => {
    const success = run(1, new Date(Date.parse(firstFailure) - HOUR).toISOString(), 'up-to-date');
    const since = run(2, firstFailure, 'unreachable');
    const last = run(3, '2026-11-26T11:00:00Z', 'unreachable');

    const conditions = hostConditions(facts({ firstRun: success, lastSuccess: success, failingSince: since, lastFinished: last, failuresSinceSuccess: 2 }), NOW, settings);

    expect(conditions.map((c) => c.kind)).toEqual(kinds);
  });

  it('dead-man: no successful check for longer than the limit, even with no failure recorded (nothing ran)', () => {
    const success = run(1, '2026-11-24T20:00:00Z', 'up-to-date');

    const conditions = hostConditions(facts({ firstRun: success, lastSuccess: success, lastFinished: success }), NOW, settings);

    expect(conditions.map((c) => [c.kind, c.severity, c.subject])).toEqual([['dead-man', 'critical', 'op/dead-man/local']]);
  });

  it('clock: from the latest run that recorded it', () => {
    const ok = run(5, '2026-11-26T11:00:00Z', 'up-to-date', { clock: { synchronized: false, skewMs: 1000 } });

    const conditions = hostConditions(facts({ firstRun: ok, lastSuccess: ok, lastFinished: ok, lastClock: ok }), NOW, settings);

    expect(conditions.map((c) => [c.kind, c.fingerprint])).toEqual([['clock', 'unsynchronized']]);
  });
});

describe('unverifiedCondition', () => {
  const details = { unverified: [{ item: 'license:broadcast', pbx: '2026-12-01', portal: '2027-12-01' }, { item: 'license:zulu', pbx: '2026-12-01', portal: '2027-12-01' }, 'junk', { item: 42 }] };

  it('is critical and lists what the PBX still lacks, ignoring malformed entries', () => {
    const c = unverifiedCondition('631', run(9, '2026-11-26T11:00:00Z', 'failed', details), () => '2026-12-01');

    expect(c).toMatchObject({ kind: 'unverified', severity: 'critical', subject: 'op/unverified/631', fingerprint: 'license:broadcast=2027-12-01,license:zulu=2027-12-01' });
  });

  it('drops items whose expiry has since caught up; none left: no condition', () => {
    const run9 = run(9, '2026-11-26T11:00:00Z', 'failed', details);

    expect(unverifiedCondition('631', run9, (i) => (i === 'license:zulu' ? '2027-12-01' : '2026-12-01'))?.fingerprint).toBe('license:broadcast=2027-12-01');
    expect(unverifiedCondition('631', run9, () => '2027-12-01')).toBeNull();
    expect(unverifiedCondition('631', run(9, '2026-11-26T11:00:00Z', 'up-to-date', {}), () => null)).toBeNull();
    expect(unverifiedCondition('631', null, () => null)).toBeNull();
  });

  it('a renewal renew --module said was bought (no portal date) stays open until the PBX shows any later date', () => {
    const claimed = run(9, '2026-11-26T11:00:00Z', 'pending', { unverified: [{ item: 'license:broadcast', pbx: '2026-12-01', portal: null }, { item: 'license:zulu', pbx: null, portal: null }] });

    const open = unverifiedCondition('631', claimed, () => '2026-12-01');

    expect(open).toMatchObject({ kind: 'unverified', severity: 'critical', fingerprint: 'license:broadcast=>2026-12-01' });
    expect(unverifiedCondition('631', claimed, () => '2027-12-01')).toBeNull();
  });
});

describe('moduleConditions', () => {
  const licences = [
    { moduleKey: 'cos', expiry: '2027-09-01', label: 'cos licence' },
    { moduleKey: 'cdrpro', expiry: 'never', label: 'cdrpro licence' },
    { moduleKey: 'old', expiry: '2026-01-01', label: 'old licence' },
    { moduleKey: 'zulu', expiry: '2027-01-01', label: 'zulu licence' },
    { moduleKey: 'broadcast', expiry: '2027-01-01', label: 'broadcast licence' },
    { moduleKey: 'callaccounting', expiry: '2027-01-01', label: 'callaccounting licence' },
  ];
  const mod = (name: string, state: string, statusText = state) => ({ name, state, statusText });

  it('flags licensed modules that are disabled (through aliases), not expired or unlicensed ones', () => {
    const modules = [mod('cos', 'disabled'), mod('cdrreports', 'disabled'), mod('old', 'disabled'), mod('unlicensed', 'disabled'), mod('sysadmin', 'enabled')];

    const conditions = moduleConditions('631', modules, licences, new Map([['cdrpro', 'cdrreports']]), '2026-11-26');

    expect(conditions.map((c) => c.subject)).toEqual(['op/module-disabled/631/cos', 'op/module-disabled/631/cdrreports']);
  });

  it('flags broken, needs-upgrade and unreadable licensed modules, each under its own kind; a licence key makes a module commercial', () => {
    const modules = [
      mod('zulu', 'broken', 'Kaputt'),
      mod('broadcast', 'needs-upgrade', 'Disabled; Pending upgrade to 17.0.2'),
      mod('callaccounting', 'unknown', 'Включено'),
      mod('cos', 'not-installed', 'Not Installed (Locally available)'),
    ];

    const conditions = moduleConditions('631', modules, licences, new Map(), '2026-11-26');

    expect(conditions.map((c) => [c.kind, c.severity, c.fingerprint])).toEqual([
      ['module-broken', 'critical', ''],
      ['module-needs-upgrade', 'warning', ''],
      ['module-status-unknown', 'warning', 'Включено'],
    ]);
  });

  it('announces an unreadable status once per text', () => {
    const first = moduleConditions('631', [mod('zulu', 'unknown', 'Foo')], licences, new Map(), '2026-11-26');
    const mark = (detail: string): AlertMark => ({ subject: first[0]!.subject, kind: 'module-status-unknown', deploymentId: '631', item: null, expiry: null, stage: 'open', detail, openedAt: '', notifiedAt: '', closedAt: null });

    expect(planConditionChanges(first, [mark('Foo')]).announce).toEqual([]);
    expect(planConditionChanges(moduleConditions('631', [mod('zulu', 'unknown', 'Bar')], licences, new Map(), '2026-11-26'), [mark('Foo')]).announce).toHaveLength(1);
    expect(planConditionChanges([], [mark('Foo')]).resolved).toHaveLength(1);
  });
});

describe('planConditionChanges', () => {
  const mark = (subject: string, detail: string): AlertMark => ({ subject, kind: subject.split('/')[1]!, deploymentId: null, item: null, expiry: null, stage: 'open', detail, openedAt: '2026-11-25T00:00:00Z', notifiedAt: '2026-11-25T00:00:00Z', closedAt: null });
  const condition = (subject: string, fingerprint: string) => ({ subject, kind: 'clock' as const, severity: 'warning' as const, deploymentId: null, host: 'local', fingerprint, facts: {} });

  it('announces new and changed conditions once, and resolves the ones that are gone', () => {
    const open = [mark('op/clock/local', 'skew'), mark('op/failing/local', '3'), mark('expiry/631/x/2026-12-01', '')];

    const changes = planConditionChanges([condition('op/clock/local', 'skew'), condition('op/dead-man/local', '1')], open);
    const changed = planConditionChanges([condition('op/clock/local', 'unsynchronized+skew')], open);

    expect(changes.announce.map((c) => c.subject)).toEqual(['op/dead-man/local']);
    expect(changes.resolved.map((m) => m.subject)).toEqual(['op/failing/local']);
    expect(changed.announce.map((c) => c.subject)).toEqual(['op/clock/local']);
  });
});

import { describe, expect, it } from 'vitest';
import { conditionAlerts, resolvedAlert } from '../../src/alerts/health-messages.js';
import { moduleConditions } from '../../src/alerts/health-policy.js';
import type { AlertContext } from '../../src/alerts/messages.js';
import type { AlertMark } from '../../src/store/alert-state.js';

const ctx: AlertContext = {
  today: '2026-11-26',
  timeZone: 'UTC',
  now: new Date('2026-11-26T08:00:00Z'),
  deployment: () => ({ host: 'pbx1', productName: 'PBXact' }),
};
const licences = ['zulu', 'cos', 'sysadmin', 'broadcast'].map((k) => ({ moduleKey: k, expiry: '2027-06-01', label: `${k} licence` }));
const conditions = (modules: Array<[string, string, string]>) =>
  moduleConditions('631', modules.map(([name, state, statusText]) => ({ name, state, statusText })), licences, new Map(), '2026-11-26');

describe('module alerts', () => {
  it('says it cannot tell whether a module is enabled, quoting the status text, and asks for a capture', () => {
    const [alert] = conditionAlerts(conditions([['zulu', 'unknown', 'Включено']]), ctx);

    expect(alert!.title).toMatch(/: cannot tell whether zulu is enabled: status text 'Включено'$/);
    expect(alert!.kind).toBe('module-status-unknown');
    expect(alert!.body).toContain('pbx-activation-agent capture --redact');
  });

  it('groups modules of one deployment by state, one message each', () => {
    const alerts = conditionAlerts(
      conditions([
        ['zulu', 'broken', 'Broken'],
        ['cos', 'disabled', 'Disabled'],
        ['sysadmin', 'disabled', 'Deaktiviert'],
        ['broadcast', 'needs-upgrade', 'Disabled; Pending upgrade to 17.0.2'],
      ]),
      ctx,
    );

    expect(alerts.map((a) => [a.kind, a.severity, a.title.replace(/^.*: (licensed)/, '$1')])).toEqual([
      ['module-broken', 'critical', 'licensed commercial module broken: zulu'],
      ['module-disabled', 'warning', 'licensed commercial modules disabled: cos, sysadmin'],
      ['module-needs-upgrade', 'warning', 'licensed commercial module waiting for an upgrade: broadcast'],
    ]);
    expect(alerts[1]!.body).toContain('fwconsole ma enable cos; fwconsole ma enable sysadmin');
    expect(alerts[0]!.body).toContain('fwconsole ma install zulu');
  });

  it('resolves each kind in its own words, naming the module', () => {
    const mark = (subject: string): AlertMark => ({ subject, kind: subject.split('/')[1]!, deploymentId: '631', item: null, expiry: null, stage: 'open', detail: '', openedAt: '2026-11-20T00:00:00Z', notifiedAt: '', closedAt: null });

    expect(resolvedAlert(mark('op/module-broken/631/zulu'), ctx).title).toMatch(/resolved: module no longer broken \(or no longer licensed\) \(zulu\)$/);
    expect(resolvedAlert(mark('op/module-status-unknown/631/zulu'), ctx).title).toMatch(/status is readable again .* \(zulu\)$/);
  });
});

import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addDays, calendarDate } from '../../src/core/expiry.js';
import { runCli } from '../helpers/cli.js';
import { fakePbx, saInfo } from '../helpers/fake-pbx.js';
import { useReceivers } from '../helpers/receiver.js';
import { useSmtpRelays } from '../helpers/smtp-relay.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const receiver = useReceivers();
const smtpRelay = useSmtpRelays();

/** A real hook: records the byte size of each ALERT_* variable, and the body and JSON of the expiry alert. */
function hook(dir: string): { path: string; out: string } {
  const path = join(dir, 'hook.sh');
  const out = join(dir, 'hook-out');
  const size = (v: string) => `echo "${v}=$(printf %s "$${v}" | wc -c)"`;
  writeFileSync(
    path,
    ['#!/bin/sh', `{ ${size('ALERT_SUBJECT')}; ${size('ALERT_BODY')}; ${size('ALERT_JSON')}; } >> ${out}`, `printf %s "$ALERT_BODY" > ${out}.$ALERT_KIND.body`, `printf %s "$ALERT_JSON" > ${out}.$ALERT_KIND.json`, ''].join('\n'),
  );
  chmodSync(path, 0o755);
  return { path, out };
}

/** The largest size seen of each variable, over every alert the hook got. */
function sizes(text: string): Record<string, number> {
  const max: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const [k, v] of text.trim().split('\n').map((l) => l.split('=') as [string, string])) max[k] = Math.max(max[k] ?? 0, Number(v));
  return max;
}

// Several CLI runs per test: on a loaded machine they take longer than the default 20 s together.
describe('alert text that would not fit a channel', { timeout: 60_000 }, () => {
  it('5,000 items expiring on one day and a 140 KB product name: every channel takes one readable, summarised alert', async () => {
    const dir = tmp();
    const pbx = fakePbx(dir);
    const day = addDays(calendarDate(new Date()), 3);
    const modules = Array.from({ length: 5000 }, (_, i) => `mod${String(i).padStart(4, '0')}`);
    pbx.saInfo(saInfo([['Deployment ID', '63198234567'], ['Product-Name', `PBXact ${'X'.repeat(140 * 1024)}`], ['Activation Expiry', '2030-09-04'], ...modules.map((m): [string, string] => [`${m}_exp`, day])]));
    const [webhook, slack, teams] = await Promise.all([receiver('/hook'), receiver('/slack'), receiver('/teams')]);
    const smtp = await smtpRelay();
    const command = hook(dir);
    pbx.configure((c) => {
      c.alerts = {
        channels: [
          { type: 'command', command: [command.path] },
          { type: 'webhook', url: webhook.url },
          { type: 'slack', url: slack.url },
          { type: 'teams', url: teams.url },
          { type: 'email', to: ['ops@example.com'], from: 'pbx@example.com', smtp: { host: '127.0.0.1', port: smtp.port, security: 'none' } },
        ],
      };
    });

    const check = await runCli(['check', '--config', pbx.config]);
    const list = await runCli(['alerts', 'list', '--json', '--config', pbx.config]);
    const status = await runCli(['status', '--json', '--config', pbx.config]);

    expect(check.code, check.stderr).toBe(0);
    const report = JSON.parse(list.stdout) as { alerts: Array<{ kind: string; status: string; deliveries: Array<{ channel: string; status: string; lastError: string | null }> }> };
    const alert = report.alerts.find((a) => a.kind === 'expiry')!;
    expect(alert.deliveries.map((d) => [d.channel, d.status, d.lastError]).sort()).toEqual(['command', 'email', 'slack', 'teams', 'webhook'].map((c) => [c, 'delivered', null]));
    expect((JSON.parse(status.stdout) as { deployments: Array<{ productName: string }> }).deployments[0]!.productName).toHaveLength(200);

    // The command hook: every variable far below Linux's 128 KiB per string.
    const env = sizes(readFileSync(command.out, 'utf8'));
    expect(env.ALERT_SUBJECT).toBeLessThanOrEqual(1024);
    expect(env.ALERT_BODY).toBeLessThanOrEqual(32 * 1024);
    expect(env.ALERT_JSON).toBeLessThanOrEqual(64 * 1024);
    const body = readFileSync(`${command.out}.expiry.body`, 'utf8');
    expect(body).toContain('  - mod0000 licence (license:mod0000)');
    expect(body).toContain('  ... and 4,970 more items (pbx-activation-agent status lists them all)');
    expect(body).not.toContain('mod4999');
    const json = JSON.parse(readFileSync(`${command.out}.expiry.json`, 'utf8')) as { title: string; data: { itemsTotal: number; items: unknown[] } };
    expect(json.title).toMatch(/^PBX 63198234567: 5,000 items expire in 3 days \(\d{4}-\d{2}-\d{2}\): mod0000 licence, mod0001 licence, mod0002 licence and 4,997 more$/);
    expect(json.data.itemsTotal).toBe(5000);
    expect(json.data.items).toHaveLength(200);

    // Webhooks: within the generic bound, Slack's text limit, Teams' 28 KB.
    const posted = (r: typeof webhook) => r.requests.find((q) => q.body.includes('5,000 items'))!.body;
    expect(Buffer.byteLength(posted(webhook))).toBeLessThanOrEqual(64 * 1024);
    expect((JSON.parse(posted(slack)) as { text: string }).text.length).toBeLessThanOrEqual(4000);
    expect(Buffer.byteLength(posted(teams))).toBeLessThanOrEqual(28 * 1024);
    expect(posted(webhook)).toContain('and 4,970 more items');

    // E-mail: a sane subject, no line beyond SMTP's 998.
    const mail = smtp.mail.find((m) => m.includes('5,000 items'))!;
    const subject = /^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(mail)![1]!.replace(/\r\n[ \t]/g, ' ');
    expect(subject.length).toBeLessThanOrEqual(300);
    expect(Math.max(...mail.split('\r\n').map((l) => l.length))).toBeLessThanOrEqual(998);
    expect(mail).toContain('and 4,970 more items');
  });
});

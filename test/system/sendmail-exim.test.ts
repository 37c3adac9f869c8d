import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertSettings } from '../../src/config/alerts-schema.js';
import { buildChannels } from '../../src/notify/build.js';
import { sampleMessage } from '../helpers/alert-message.js';
import { requireTool } from '../helpers/require-tool.js';

const MAIL_DIR = '/var/mail';

/** Every local mailbox's text (Debian's exim4 delivers root's mail to /var/mail/mail by default). */
function mailboxes(): string {
  return readdirSync(MAIL_DIR)
    .map((name) => {
      try {
        return readFileSync(join(MAIL_DIR, name), 'utf8');
      } catch {
        return '';
      }
    })
    .join('\n');
}

describe('e-mail through a real local MTA (Debian exim4, the sendmail interface FreePBX uses)', () => {
  it('the alert lands in the local mailbox with its subject and Message-ID', async () => {
    requireTool('exim4', 'exim4-daemon-light', ['/usr/sbin']);
    expect(process.getuid?.(), 'this test reads /var/mail, which needs root (CI runs as root)').toBe(0);
    const uid = randomUUID();
    const settings = AlertSettings.parse({ channels: [{ type: 'email', to: ['root@localhost'], sendmail: '/usr/sbin/sendmail' }] });
    const [channel] = await buildChannels(settings, '/etc/pbx-activation-agent/config.json', {});

    await channel!.send(sampleMessage({ uid }));

    const deadline = Date.now() + 20_000;
    while (!mailboxes().includes(`<${uid}@pbx-activation-agent>`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const text = mailboxes();
    expect(text).toContain(`<${uid}@pbx-activation-agent>`);
    expect(text).toContain('Subject: PBX 631: broadcast licence expires in 5 days (2026-12-01)');
  });
});

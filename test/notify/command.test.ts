import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommandChannel } from '../../src/notify/command.js';
import { sampleMessage } from '../helpers/alert-message.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

const message = sampleMessage({
  kind: 'expired',
  title: "PBX 631: areminder licence EXPIRED 12 days ago (2026-11-14) - it's $HOME `x`",
  body: 'line one\nline two',
});

function hook(dir: string, script: string): string {
  const path = join(dir, 'hook.sh');
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('command hook, a real script', () => {
  it('gets the alert in ALERT_* variables, verbatim, and its arguments; nothing else of the agent\'s environment', async () => {
    const dir = tmp();
    const out = join(dir, 'env');
    const script = hook(dir, `{ printf '%s\\n' "$1" "$ALERT_ID" "$ALERT_KIND" "$ALERT_SEVERITY" "$ALERT_DEPLOYMENT" "$ALERT_SUBJECT" "$ALERT_CREATED_AT"; printf '%s\\n' "$ALERT_BODY" "$ALERT_JSON"; echo "secret=\${AGENT_SECRET:-unset}"; } > ${out}`);
    process.env.AGENT_SECRET = 'do-not-pass';

    try {
      await new CommandChannel('hook', [script, '--from-agent'], 5000).send(message);
    } finally {
      delete process.env.AGENT_SECRET;
    }

    const lines = readFileSync(out, 'utf8').split('\n');
    expect(lines.slice(0, 9)).toEqual(['--from-agent', message.uid, 'expired', 'critical', '631', message.title, message.createdAt, 'line one', 'line two']);
    expect(JSON.parse(lines[9]!)).toMatchObject({ id: message.uid, title: message.title, text: message.body });
    expect(lines[10]).toBe('secret=unset');
  });

  it.each([
    ['exits 1', 'echo "relay refused" >&2; exit 1', 5000, /^command .*hook\.sh: exited with status 1: relay refused$/],
    ['hangs (killed at the timeout)', 'sleep 60', 1000, /^command .*hook\.sh: did not finish within 1s \(stopped\)$/],
  ])('a hook that %s fails', async (_what, script, timeoutMs, error) => {
    const dir = tmp();

    await expect(new CommandChannel('hook', [hook(dir, script)], timeoutMs).send(message)).rejects.toThrow(error);
  });

  it('a hook that does not exist: says so', async () => {
    await expect(new CommandChannel('hook', ['/nonexistent/hook'], 1000).send(message)).rejects.toThrow(/cannot start it \(ENOENT\)/);
  });
});

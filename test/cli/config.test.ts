import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeSandbox } from '../helpers/sandbox.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

describe('config check', () => {
  it('says a valid configuration is valid, and gives it as JSON', async () => {
    const sb = makeSandbox(join(tmp(), 's'));

    const human = await runCli(['config', 'check', '--config', sb.config]);
    const json = await runCli(['config', 'check', '--json', '--config', sb.config]);

    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`The configuration ${sb.config} is valid.`);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, path: sb.config, config: { store: { path: sb.store }, pbx: { tty: true } } });
  });

  it('lists every problem, schedule and alert channels included, with exit 78', async () => {
    const sb = makeSandbox(join(tmp(), 's'));
    const config = JSON.parse(readFileSync(sb.config, 'utf8'));
    config.schedule = { check: '99 99 * * *' };
    config.alerts = { channels: [{ type: 'webhook', urlFile: join(sb.dir, 'missing-url') }] };
    writeFileSync(sb.config, JSON.stringify(config));

    const human = await runCli(['config', 'check', '--config', sb.config]);
    const json = await runCli(['config', 'check', '--json', '--config', sb.config]);

    expect(human.code).toBe(78);
    expect(human.stderr).toMatch(/schedule\.check/);
    expect(json.code).toBe(78);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, file: sb.config });
    expect(JSON.parse(json.stdout).problems).toEqual([expect.stringMatching(/^schedule\.check: minute/), expect.stringMatching(/^schedule\.check: hour/), expect.stringMatching(/missing-url/)]);
  });

  it('checks the portal token and CA files as the cycle reads them: a FIFO token and a missing CA file are listed, exit 78', async () => {
    const sb = makeSandbox(join(tmp(), 's'));
    const tokenFile = join(sb.dir, 'token');
    execFileSync('mkfifo', ['-m', '600', tokenFile]);
    const config = JSON.parse(readFileSync(sb.config, 'utf8'));
    config.portal = { url: 'https://portal.example.net/api', tokenFile, caFile: join(sb.dir, 'missing-ca.pem') };
    writeFileSync(sb.config, JSON.stringify(config));

    const fifo = await runCli(['config', 'check', '--json', '--config', sb.config]);
    rmSync(tokenFile);
    writeFileSync(tokenFile, 'secret-token\n', { mode: 0o600 });
    const missingCa = await runCli(['config', 'check', '--json', '--config', sb.config]);

    expect(fifo.code).toBe(78);
    expect(JSON.parse(fifo.stdout).problems).toEqual([expect.stringMatching(/^portal\.tokenFile: .*FIFO/)]);
    expect(missingCa.code).toBe(78);
    expect(JSON.parse(missingCa.stdout).problems).toEqual([expect.stringMatching(/^portal\.caFile: .*missing-ca\.pem/)]);
    expect(fifo.stdout + fifo.stderr + missingCa.stdout + missingCa.stderr).not.toContain('secret-token');
  });

  it('validates the text given on stdin (what the daemon hands its children), not the file', async () => {
    const { runProcess } = await import('../../src/process/run-process.js');
    const { BIN } = await import('../helpers/cli.js');
    const sb = makeSandbox(join(tmp(), 's'));

    const result = await runProcess([process.execPath, BIN, 'config', 'check', '--json', '--config', sb.config, '--config-stdin'], {
      timeoutMs: 30_000,
      input: '{"pbx": {"tty": "no"}}',
    });

    expect(result.exitCode).toBe(78);
    expect(JSON.parse(result.stdout).problems).toEqual([expect.stringMatching(/^pbx\.tty: /)]);
  });
});

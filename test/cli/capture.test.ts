import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unpackBundle, type Bundle } from '../../src/capture/bundle.js';
import { runCli } from '../helpers/cli.js';
import { makeSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const ID = '63198234567';

interface StatusJson {
  deployments: Array<{ deploymentId: string; items: Array<Record<string, unknown>> }>;
}

async function ok(args: string[]) {
  const r = await runCli(args);
  expect(r.code, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

async function capture(sb: TestSandbox, ...flags: string[]): Promise<{ path: string; bundle: Bundle; stdout: string }> {
  const path = join(tmp(), 'bundle.tar.gz');
  const r = await ok(['capture', '--output', path, '--config', sb.config, ...flags]);
  return { path, bundle: unpackBundle(readFileSync(path), path), stdout: r.stdout };
}

async function status(config: string): Promise<StatusJson> {
  await ok(['check', '--dry-run', '--config', config]);
  return JSON.parse((await ok(['status', '--json', '--config', config])).stdout) as StatusJson;
}

const text = (b: Bundle, path: string) => b.files.get(path)!.toString('utf8');

describe('capture', () => {
  it('runs only read-only commands and packs their output, the files next to them and what the readers made of it', async () => {
    const sb = makeSandbox(join(tmp(), 'sb'));
    sb.edit((s) => void (s.pbx.language = 'de_DE'));

    const { bundle, stdout } = await capture(sb);

    expect(bundle.manifest.commands.map((c) => [c.program, c.args.join(' '), c.tty])).toEqual([
      ['fwconsole', 'sa info --no-ansi', true],
      ['fwconsole', 'ma list --format=json', false],
      ['fwconsole', 'ma list', false],
      ['fwconsole', '--version', false],
      ['fwconsole', 'setting UIDEFAULTLANG', false],
      ['php', '-v', false],
    ]);
    // Never a command that changes the PBX.
    expect(Object.keys(sb.read().pbx.calls).filter((c) => /activate|update|install|enable|disable/.test(c))).toEqual([]);
    expect(text(bundle, 'commands/sa-info.stdout')).toContain(`Deployment ID: ${ID}`);
    expect(text(bundle, 'commands/ma-list.stdout')).toMatch(/\| Module +\| Version/);
    expect(text(bundle, 'commands/ma-list-json.stdout')).toContain('"Deaktiviert"');
    expect(text(bundle, 'files/pbxid')).toBe(`${ID}\n`);
    const head = text(bundle, `licence-files/license-${ID}.zl.head`);
    expect(head).toContain('Verification-Code = (left out)');
    expect(head).toMatch(/^Product-Name = PBXact UC 25$/m);
    const interpretation = JSON.parse(text(bundle, 'interpretation.json'));
    expect(interpretation['sa-info']).toMatchObject({ ok: true, deploymentId: ID });
    expect(interpretation['ma-list-json'].modules.find((m: { name: string }) => m.name === 'cos')).toMatchObject({ statusText: 'Deaktiviert', state: 'disabled' });
    expect(interpretation['ma-list'].modules.length).toBe(interpretation['ma-list-json'].modules.length);
    expect(interpretation.licenceFiles).toEqual([expect.objectContaining({ name: `license-${ID}.zl`, kind: 'zend' })]);
    expect(bundle.manifest).toMatchObject({ redacted: false, moduleAliases: { cdrpro: 'cdrreports' } });
    expect(stdout).toContain('run with --redact before sending it');
  });

  it('builds a sandbox from the bundle whose status is the captured one: same items, dates and module states', async () => {
    const a = makeSandbox(join(tmp(), 'a'));
    a.edit((s) => {
      s.pbx.language = 'ru_RU';
      s.pbx.modules.find((m) => m.name === 'zulu')!.status = 'broken';
      s.pbx.modules.find((m) => m.name === 'broadcast')!.status = 'needs-upgrade';
      s.pbx.modules.find((m) => m.name === 'sysadmin')!.signature = 'Unsigned';
    });
    const { path } = await capture(a);

    const init = await ok(['sandbox', 'init', join(tmp(), 'b'), '--from-capture', path]);
    const b = join(init.stdout.match(/Sandbox created in (\S+?),/)![1]!, 'agent.json');

    const [before, after] = [await status(a.config), await status(b)];
    expect(after.deployments.map((d) => d.deploymentId)).toEqual([ID]);
    expect(after.deployments[0]!.items).toEqual(before.deployments[0]!.items.map((i) => ({ ...i, confirmedAt: expect.any(String) })));
    const zulu = after.deployments[0]!.items.find((i) => i.item === 'license:zulu');
    expect(zulu).toMatchObject({ enabled: 'broken', statusText: 'Повреждён' });
  }, 60_000);

  it('--redact replaces deployment ids and names consistently in every file and keeps every other byte; the sandbox still works', async () => {
    const sb = makeSandbox(join(tmp(), 'sb'));
    const plain = (await capture(sb)).bundle;

    const { bundle, path } = await capture(sb, '--redact');

    expect(bundle.manifest).toMatchObject({ redacted: true, redactions: { deploymentIds: 1, names: 1 } });
    for (const [name, data] of bundle.files) {
      expect(data.toString('utf8'), name).not.toContain(ID);
      expect(data.toString('utf8'), name).not.toContain('Example Telecom Ltd');
    }
    expect([...bundle.files.keys()].join(' ')).not.toContain(ID);
    expect(JSON.stringify(bundle.manifest)).not.toContain(ID);
    expect(bundle.manifest.files.map((f) => f.path)).toContain('licence-files/license-90000000001.zl.head');
    const standIn = '90000000001';
    expect(text(bundle, 'files/pbxid')).toBe(`${standIn}\n`);
    expect(text(bundle, 'commands/sa-info.stdout')).toContain(`Deployment ID: ${standIn}`);
    expect(text(bundle, 'commands/sa-info.stdout')).toContain('Registered-To: Redacted Name 1');
    expect(JSON.parse(text(bundle, 'interpretation.json'))['sa-info'].deploymentId).toBe(standIn);
    const contract = /support_contract: (\S+)/.exec(text(bundle, 'commands/sa-info.stdout'))![1]!;
    expect(JSON.parse(Buffer.from(contract, 'base64').toString('utf8'))).toMatchObject({ organization_name: 'Redacted Name 1' });
    for (const same of ['commands/ma-list.stdout', 'commands/ma-list-json.stdout', 'files/os-release']) {
      if (plain.files.has(same)) expect(bundle.files.get(same)!.equals(plain.files.get(same)!), same).toBe(true);
    }
    const unredacted = text(plain, 'commands/sa-info.stdout').split('\n');
    const redacted = text(bundle, 'commands/sa-info.stdout').split('\n');
    expect(redacted.filter((line, i) => line !== unredacted[i]).length).toBe(3);

    const init = await ok(['sandbox', 'init', join(tmp(), 'b'), '--from-capture', path]);
    const b = join(init.stdout.match(/Sandbox created in (\S+?),/)![1]!, 'agent.json');
    expect((await status(b)).deployments.map((d) => [d.deploymentId, d.items.length])).toEqual([[standIn, 11]]); // activation, support contract, global and 8 modules
  }, 60_000);

  it('refuses a file that is not a bundle, and an existing output file, with what to do', async () => {
    const sb = makeSandbox(join(tmp(), 'sb'));
    const junk = join(tmp(), 'junk.tar.gz');
    writeFileSync(junk, 'not a bundle');

    const init = await runCli(['sandbox', 'init', join(tmp(), 'b'), '--from-capture', junk]);
    const again = await runCli(['capture', '--output', junk, '--config', sb.config]);

    expect([init.code, init.stderr]).toEqual([2, expect.stringContaining('is not a capture bundle')]);
    expect([again.code, again.stderr]).toEqual([2, expect.stringContaining('it already exists')]);
  });

  it('never blocks on a FIFO given as the bundle', async () => {
    const fifo = join(tmp(), 'bundle.tar.gz');
    execFileSync('mkfifo', [fifo]);

    const init = await runCli(['sandbox', 'init', join(tmp(), 'b'), '--from-capture', fifo]);

    expect([init.code, init.stderr]).toEqual([2, expect.stringContaining('is a FIFO (named pipe), not a regular file')]);
  });
});

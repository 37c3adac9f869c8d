import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A small fake fwconsole: a shell script that prints, byte for byte, the
 * texts a test puts in files (`sa-info.txt`, `ma-list.txt`), for outputs the
 * sandbox simulator would never print (conflicts, control characters). With
 * an agent config pointing at it (no pseudo-terminal, its own schmooze dir).
 */
export interface FakePbx {
  readonly dir: string;
  readonly config: string;
  readonly store: string;
  saInfo(text: string): void;
  maList(text: string): void;
  /** Rewrites the agent config with `change` applied to it. */
  configure(change: (config: Record<string, any>) => void): void;
}

export function fakePbx(dir: string, deploymentId = '63198234567'): FakePbx {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  mkdirSync(join(dir, 'schmooze'), { recursive: true });
  writeFileSync(join(dir, 'schmooze', 'pbxid'), `${deploymentId}\n`);
  const fwconsole = join(dir, 'bin', 'fwconsole');
  writeFileSync(
    fwconsole,
    [
      '#!/bin/sh',
      `cd '${dir}'`,
      'case "$1 $2" in',
      '  "sa info") cat sa-info.txt ;;',
      '  "ma list") cat ma-list.txt ;;',
      // Update Activation that brings nothing new (the activation probe runs it when something expires soon).
      '  "sa activate") echo "Activation successful" ;;',
      '  *) echo "unexpected: $*" >&2; exit 1 ;;',
      'esac',
      '',
    ].join('\n'),
  );
  chmodSync(fwconsole, 0o755);
  const config = join(dir, 'agent.json');
  let current: Record<string, any> = {
    deploymentId,
    pbx: { fwconsole, schmoozeDir: join(dir, 'schmooze'), tty: false, readTimeout: '20s', settleDelay: '0s' },
    store: { path: join(dir, 'agent.db') },
  };
  const write = () => writeFileSync(config, JSON.stringify(current, null, 2));
  write();
  const pbx: FakePbx = {
    dir,
    config,
    store: join(dir, 'agent.db'),
    saInfo: (text) => writeFileSync(join(dir, 'sa-info.txt'), text),
    maList: (text) => writeFileSync(join(dir, 'ma-list.txt'), text),
    configure(change) {
      change(current);
      current = JSON.parse(JSON.stringify(current)) as Record<string, any>;
      write();
    },
  };
  pbx.saInfo(saInfo({ 'Deployment ID': deploymentId, 'Activation Expiry': '2030-09-04', sysadmin_exp: '2027-06-18' }));
  pbx.maList(maListJson([['framework', '17.0.19.22', 'Enabled', 'GPLv2+'], ['sysadmin', '17.0.1', 'Enabled', 'Commercial']]));
  return pbx;
}

/** `Key: Value` lines as `sa info` prints them; an array repeats a key. */
export function saInfo(fields: Record<string, string> | ReadonlyArray<readonly [string, string]>): string {
  const entries = Array.isArray(fields) ? fields : Object.entries(fields);
  return `${entries.map(([k, v]) => `${k}: ${v}`).join('\n')}\n`;
}

/** `ma list --format=json`: one JSON line whose data is rows of [module, version, status, license]. */
export function maListJson(rows: ReadonlyArray<readonly string[]>): string {
  return `${JSON.stringify({ status: true, type: 'list', data: rows })}\n`;
}

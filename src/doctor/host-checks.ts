import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { pbxReaderFor } from '../app/reader.js';
import { formatDuration } from '../core/duration.js';
import { errorMessage } from '../errors.js';
import { applyInvocation } from '../pbx/apply-invocation.js';
import type { LicenceInfo } from '../pbx/readers/licence-info.js';
import { silentLogger } from '../log/logger.js';
import { META } from '../store/meta-keys.js';
import { scheduleProblems } from '../service/schedule.js';
import { Store } from '../store/store.js';
import { fail, ok, warn, type DoctorCheck, type DoctorContext } from './doctor.js';

export const SERVICE_UNIT = 'pbx-activation-agent.service';
const INSTALL_HINT = 'apt install ./pbx-activation-agent_<version>_amd64.deb (elsewhere: the release tarball\'s install.sh)';

/** `fwconsole sa info`, read once for the checks that need it. */
export function licence(ctx: DoctorContext): Promise<LicenceInfo> {
  return ctx.memo('licence', () => {
    return pbxReaderFor(ctx.config, ctx.shell, ctx.clock, silentLogger).readLicence();
  });
}

const fwconsole: DoctorCheck = {
  id: 'fwconsole',
  title: 'fwconsole',
  async run(ctx) {
    const info = await licence(ctx);
    return ok(`${ctx.config.pbx.fwconsole} sa info answered${info.productName ? ` (${info.productName})` : ''}`);
  },
};

const deployment: DoctorCheck = {
  id: 'deployment',
  title: 'deployment id',
  async run(ctx) {
    let info: LicenceInfo;
    try {
      info = await licence(ctx);
    } catch (err) {
      return fail(`unknown: fwconsole could not be read (${errorMessage(err)})`, 'Fix the fwconsole check first.');
    }
    const expected = ctx.config.deploymentId;
    if (info.deploymentId === null) {
      return fail('the PBX reports no deployment id', `Activate the PBX (System Admin -> Activation) and check ${ctx.config.pbx.schmoozeDir}/pbxid.`);
    }
    if (expected !== undefined && expected !== info.deploymentId) {
      return fail(
        `the PBX is deployment ${info.deploymentId} but the configuration expects ${expected}; renewals will not be applied`,
        `Set deploymentId in ${ctx.configPath} to ${info.deploymentId} if this is the right PBX.`,
      );
    }
    return expected === undefined
      ? warn(`deployment ${info.deploymentId} (deploymentId is not set in the configuration)`, `Set "deploymentId": "${info.deploymentId}" in ${ctx.configPath} so a moved or cloned disk is noticed.`)
      : ok(`deployment ${info.deploymentId}, as configured`);
  },
};

const privilege: DoctorCheck = {
  id: 'privilege',
  title: 'apply privilege',
  async run(ctx) {
    const { pbx } = ctx.config;
    const id = ctx.config.deploymentId ?? (await licence(ctx).catch(() => null))?.deploymentId ?? 'DEPLOYMENT-ID';
    const apply = applyInvocation(pbx, pbx.applyCommand, id);
    if (pbx.applyUnit !== undefined) {
      const unit = await ctx.tool(['systemctl', 'cat', '--no-pager', `${pbx.applyUnit}@.service`]);
      if (unit === null) return fail('systemctl is not installed, so pbx.applyUnit cannot be used', 'Unset pbx.applyUnit and use pbx.sudo, or run on a systemd host.');
      if (unit.exitCode !== 0) {
        return fail(`the unit ${pbx.applyUnit}@.service is not installed`, `Install the package again (${INSTALL_HINT}), or unset pbx.applyUnit.`);
      }
      return ok(`renewals are applied by ${apply.description} (a privileged oneshot unit; the polkit rule lets this user start only that)`);
    }
    if (ctx.uid === 0) return ok(`running as root: ${apply.description} runs directly`);
    if (!pbx.sudo) {
      return fail(
        `running as uid ${ctx.uid} without pbx.sudo or pbx.applyUnit: "${apply.argv.join(' ')}" needs root`,
        'Use the service as installed (pbx.applyUnit), or set pbx.sudo: true with the sudoers drop-in from systemd/sudoers.d.',
      );
    }
    const probe = await ctx.tool(['sudo', '-n', '-l', ...apply.argv]);
    if (probe === null) return fail('pbx.sudo is set but sudo is not installed', 'Install sudo (Debian: apt-get install sudo; SNG7: yum install sudo).');
    if (probe.exitCode !== 0) {
      return fail(`sudo does not allow "${apply.argv.join(' ')}" without a password`, 'Install systemd/sudoers.d/pbx-activation-agent as /etc/sudoers.d/pbx-activation-agent (check it with visudo -cf).');
    }
    return ok(`sudo allows ${apply.description}`);
  },
};

const store: DoctorCheck = {
  id: 'store',
  title: 'store',
  async run(ctx) {
    const path = ctx.config.store.path;
    if (!existsSync(path)) {
      const dir = dirname(path);
      return writable(dir)
        ? warn(`no store at ${path} yet`, 'The first check creates it: pbx-activation-agent check --dry-run (or start the service).')
        : fail(`no store at ${path} and ${dir} is not writable by this user`, `Create ${dir} owned by the agent's user (the installer does), or set store.path.`);
    }
    if (!writable(path) || !writable(dirname(path))) {
      return fail(`${path} (or its directory) is not writable by this user`, `chown the agent's user ${dirname(path)} and ${path}, mode 0750/0640; or run doctor as the agent's user.`);
    }
    const db = Store.open(path, { readonly: true });
    try {
      const result = db.integrityCheck();
      if (result.length !== 1 || result[0] !== 'ok') {
        return fail(`integrity_check reports: ${result.slice(0, 3).join('; ')}`, `Stop the service, move ${path} aside and restore a backup (or start afresh: the next check reads the PBX again).`);
      }
      return ok(`${path} is writable and intact (integrity_check ok)`);
    } finally {
      db.close();
    }
  },
};

const clock: DoctorCheck = {
  id: 'clock',
  title: 'clock',
  async run(ctx) {
    const timedatectl = await ctx.tool(['timedatectl', 'show', '-p', 'NTPSynchronized', '--value']);
    if (timedatectl?.exitCode === 0) {
      const synced = timedatectl.stdout.trim();
      if (synced === 'yes') return ok('synchronized (timedatectl)');
      if (synced === 'no') return fail('not synchronized (timedatectl): expiry days and schedules may be off', 'Enable time sync: timedatectl set-ntp true (or install and start chrony).');
    }
    const chronyc = await ctx.tool(['chronyc', '-n', 'tracking']);
    if (chronyc?.exitCode === 0) {
      const leap = /Leap status\s*:\s*(.+)/.exec(chronyc.stdout)?.[1]?.trim();
      if (leap === 'Normal') return ok('synchronized (chronyc tracking)');
      return fail(`not synchronized (chronyc: leap status ${leap ?? 'unknown'})`, 'Check chronyd: systemctl status chronyd; chronyc sources.');
    }
    return warn('unknown: neither timedatectl nor chronyc could tell', 'Install chrony (or use systemd-timesyncd) so the clock is kept synchronized, then run doctor again.');
  },
};

const service: DoctorCheck = {
  id: 'service',
  title: 'service',
  async run(ctx) {
    const enabled = await ctx.tool(['systemctl', 'is-enabled', SERVICE_UNIT]);
    const state = enabled === null ? null : enabled.stdout.trim() || enabled.stderr.trim().split('\n')[0] || `exit ${enabled.exitCode}`;
    const last = lastRun(ctx);
    if (state === 'enabled') return ok(`${SERVICE_UNIT} is enabled; ${last}`);
    if (state === null || /not been booted|Failed to connect|System has not/i.test(state)) {
      return warn(`unknown: systemd is not running here; ${last}`, `On a PBX, install the package and check again: ${INSTALL_HINT}.`);
    }
    // systemctl says "Failed to get unit file state for ...: No such file or directory" (or "not-found").
    if (/No such file|not-found|not found/i.test(state)) {
      return fail(`${SERVICE_UNIT} is not installed; ${last}`, `Install it: ${INSTALL_HINT} (README, "Install on FreePBX 17").`);
    }
    return fail(`${SERVICE_UNIT} is ${state}; ${last}`, `Enable it: systemctl enable --now ${SERVICE_UNIT}`);
  },
};

const schedule: DoctorCheck = {
  id: 'schedule',
  title: 'next check',
  async run(ctx) {
    const problems = scheduleProblems(ctx.config.schedule.check);
    if (problems.length > 0) return fail(problems.join('; '), 'Fix schedule.check (see README, "Configuration").');
    const meta = readMeta(ctx, [META.nextCheckAt, META.nextCheckReason, META.failures]);
    const next = meta?.[META.nextCheckAt];
    if (!next) return warn(`none planned yet (schedule "${ctx.config.schedule.check}")`, `Start the service: systemctl start ${SERVICE_UNIT}`);
    const late = ctx.clock.now().getTime() - new Date(next).getTime();
    const failures = Number(meta?.[META.failures] ?? 0);
    const retry = failures > 0 ? `, retrying after ${failures} failed check(s)` : '';
    if (late > 15 * 60_000) {
      return warn(`${next} was due ${formatDuration(late)} ago: the daemon does not seem to run`, `systemctl status ${SERVICE_UNIT}; journalctl -u ${SERVICE_UNIT}`);
    }
    return ok(`${next} (${meta?.[META.nextCheckReason] ?? 'schedule'}${retry})`);
  },
};

/** The built-in checks, in the order they are shown. The portal check joins them where the portal client lives. */
export const HOST_CHECKS: readonly DoctorCheck[] = [fwconsole, deployment, privilege, store, clock, service, schedule];

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Reads the store read-only; null when there is none yet, the error when it cannot be opened. */
function readStore<T>(ctx: DoctorContext, read: (store: Store) => T): T | Error | null {
  if (!existsSync(ctx.config.store.path)) return null;
  try {
    const db = Store.open(ctx.config.store.path, { readonly: true });
    try {
      return read(db);
    } finally {
      db.close();
    }
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

function readMeta(ctx: DoctorContext, keys: readonly string[]): Record<string, string | null> | null {
  const meta = readStore(ctx, (db) => Object.fromEntries(keys.map((k) => [k, db.getMeta(k)])));
  return meta instanceof Error ? null : meta;
}

function lastRun(ctx: DoctorContext): string {
  const run = readStore(ctx, (db) => db.runs.last());
  if (run instanceof Error) return `last run unknown (${errorMessage(run)})`;
  if (!run) return 'no run recorded yet';
  const ago = formatDuration(ctx.clock.now().getTime() - new Date(run.startedAt).getTime());
  return `last run ${ago} ago (${run.trigger}): ${run.outcome ?? 'unfinished'}`;
}

import { formatDuration } from '../core/duration.js';
import { FUTURE_NOTE } from '../core/future-time.js';
import type { AlertMark } from '../store/alert-state.js';
import type { Condition, ModuleConditionKind, Unverified } from './health-policy.js';
import { deploymentLine, deploymentTitle, listLines, MAX_DATA_ITEMS, names, type AlertContext, type DraftAlert } from './messages.js';

/** Texts for operational alerts and for their resolution. Pure. */

interface LastRun {
  readonly command: string;
  readonly startedAt: string;
  readonly outcome: string | null;
  readonly error: string | null;
}

/** One message per condition; modules of one deployment in the same state share one. */
export function conditionAlerts(conditions: readonly Condition[], ctx: AlertContext): DraftAlert[] {
  const modules = new Map<string, Condition[]>();
  const out: DraftAlert[] = [];
  for (const c of conditions) {
    if (isModuleKind(c.kind)) {
      const key = `${c.kind}\0${c.deploymentId ?? ''}`;
      modules.set(key, [...(modules.get(key) ?? []), c]);
    } else out.push(conditionAlert(c, ctx));
  }
  for (const list of modules.values()) out.push(moduleAlert(list[0]!.kind as ModuleConditionKind, list[0]!.deploymentId ?? '', list, ctx));
  return out;
}

function isModuleKind(kind: string): kind is ModuleConditionKind {
  return Object.hasOwn(MODULE_TEXT, kind);
}

function conditionAlert(c: Condition, ctx: AlertContext): DraftAlert {
  const base = { kind: c.kind, severity: c.severity, deploymentId: c.deploymentId, subjects: [c.subject], dedupKey: `${c.subject}/${c.fingerprint}/${ctx.now.toISOString()}` };
  const agent = `pbx-activation-agent on ${c.host ?? 'local'}`;
  const facts = c.facts;
  switch (c.kind) {
    case 'unverified': {
      const list = facts.unverified as Unverified[];
      const id = c.deploymentId ?? '';
      return {
        ...base,
        title: `${deploymentTitle(id, ctx)}: CRITICAL: renewal bought but not applied: ${names(list.map((u) => ({ label: `${u.item} (${wanted(u)}, PBX ${u.pbx ?? 'none'})` })))}`,
        body: [
          deploymentLine(id, ctx),
          '',
          'These renewals were bought (the portal shows them, or `renew --module` said so), but after Update Activation the PBX still shows the old dates:',
          ...listLines(list, (u) => `  - ${u.item}: PBX ${u.pbx ?? 'none'}, ${wanted(u)}`),
          ...(typeof facts.error === 'string' ? ['', `Last error: ${facts.error}`] : []),
          '',
          'What to do:',
          '  1. On the PBX, run: pbx-activation-agent renew --force   and read what it reports.',
          '  2. If the dates still do not change, use System Admin -> Activation -> Update Activation in the GUI',
          '     and contact Sangoma support with the deployment id: the renewal is paid for.',
        ].join('\n'),
        data: { kind: c.kind, deploymentId: id, unverified: list.slice(0, MAX_DATA_ITEMS), unverifiedTotal: list.length },
      };
    }
    case 'failing': {
      const last = facts.last as LastRun | null;
      const age = formatDuration(ctx.now.getTime() - Date.parse(String(facts.since)));
      return {
        ...base,
        title: `${agent}: checks failing for ${age} (${facts.failures} failed runs)`,
        body: [
          `Every check since ${String(facts.since)} failed (${facts.failures} runs).`,
          ...(last ? [`Last run: ${last.command} at ${last.startedAt}: ${last.outcome ?? 'did not finish'}${last.error ? `: ${last.error}` : ''}`] : []),
          '',
          'Renewals are not applied and expiry dates are not refreshed while this lasts.',
          'What to do: run `pbx-activation-agent check` on the PBX to see the problem; `pbx-activation-agent doctor` checks the host.',
        ].join('\n'),
        data: { kind: c.kind, host: c.host, since: facts.since, failures: facts.failures, last },
      };
    }
    case 'dead-man': {
      const last = facts.last as LastRun | null;
      const age = formatDuration(ctx.now.getTime() - Date.parse(String(facts.since)));
      return {
        ...base,
        title: `${agent}: no successful check for ${age}`,
        body: [
          facts.lastSuccess ? `The last successful check finished at ${String(facts.lastSuccess)}.` : `No check has succeeded since the first run at ${String(facts.since)}.`,
          ...(typeof facts.futureSuccess === 'string' ? [`A later success is stamped ${facts.futureSuccess} (${FUTURE_NOTE}); it is not counted.`] : []),
          `The limit is ${formatDuration(Number(facts.limitMs))} (alerts.deadManAfter).`,
          ...(last ? [`Last run: ${last.command} at ${last.startedAt}: ${last.outcome ?? 'did not finish'}${last.error ? `: ${last.error}` : ''}`] : []),
          '',
          'Nobody is watching the licences of this PBX until this is fixed.',
          'What to do: systemctl status pbx-activation-agent; journalctl -u pbx-activation-agent; then run `pbx-activation-agent check`.',
        ].join('\n'),
        data: { kind: c.kind, host: c.host, lastSuccess: facts.lastSuccess, since: facts.since },
      };
    }
    case 'clock':
      return {
        ...base,
        title: `${agent}: clock not trustworthy, expiry alerts held back`,
        body: [
          `The clock cannot be trusted: ${String(facts.reason)}.`,
          'Days left are counted from the clock, so expiry alerts are held back (not sent, not marked sent) until it is fixed.',
          '',
          'What to do: enable time synchronisation (timedatectl set-ntp true; check with timedatectl or chronyc tracking).',
        ].join('\n'),
        data: { kind: c.kind, host: c.host, reason: facts.reason },
      };
    case 'module-disabled':
    case 'module-broken':
    case 'module-needs-upgrade':
    case 'module-status-unknown':
      return moduleAlert(c.kind, c.deploymentId ?? '', [c], ctx);
  }
}

interface ModuleFact {
  readonly module: string;
  readonly licence: string;
  readonly expiry: string;
  readonly statusText: string;
}

/** Per state: the title's words, the list's heading, one fix per module. */
const MODULE_TEXT: Record<ModuleConditionKind, { state: string; heading: string; fix: (m: ModuleFact) => string; note?: string }> = {
  'module-disabled': {
    state: 'disabled',
    heading: 'Licensed but disabled (an upgrade can disable a commercial module silently):',
    fix: (m) => `fwconsole ma enable ${m.module}`,
    note: 'What to do: enable it in Admin -> Module Admin, or run:',
  },
  'module-broken': {
    state: 'broken',
    heading: 'Licensed but broken (fwconsole ma list says Broken: its files or its install are damaged):',
    fix: (m) => `fwconsole ma install ${m.module} && fwconsole reload`,
    note: 'What to do: reinstall it from Admin -> Module Admin, or run:',
  },
  'module-needs-upgrade': {
    state: 'waiting for an upgrade',
    heading: 'Licensed but disabled until a pending upgrade is installed (newer files are on disk):',
    fix: (m) => `fwconsole ma install ${m.module} && fwconsole ma enable ${m.module}`,
    note: 'What to do: finish the upgrade in Admin -> Module Admin, or run:',
  },
  'module-status-unknown': {
    state: 'in an unreadable state',
    heading: 'Licensed, but fwconsole ma list printed a status the agent does not know, so it cannot tell whether they run:',
    fix: () => 'pbx-activation-agent capture --redact',
    note: 'What to do: check them in Admin -> Module Admin. Then send the bundle this writes to the agent maintainers, so the word is learnt:',
  },
};

function moduleAlert(kind: ModuleConditionKind, deploymentId: string, list: readonly Condition[], ctx: AlertContext): DraftAlert {
  const modules = list.map((c) => c.facts as unknown as ModuleFact);
  const text = MODULE_TEXT[kind];
  const title =
    kind === 'module-status-unknown'
      ? modules.length === 1
        ? `cannot tell whether ${modules[0]!.module} is enabled: status text '${modules[0]!.statusText}'`
        : `cannot tell whether ${modules.length} licensed modules are enabled: ${names(modules.map((m) => ({ label: `${m.module} ('${m.statusText}')` })))}`
      : `licensed commercial module${modules.length === 1 ? '' : 's'} ${text.state}: ${names(modules.map((m) => ({ label: m.module })))}`;
  const fixes = [...new Set(modules.map(text.fix))];
  return {
    kind,
    severity: list.some((c) => c.severity === 'critical') ? 'critical' : 'warning',
    deploymentId,
    subjects: list.map((c) => c.subject),
    dedupKey: `${kind}/${deploymentId}/${modules.map((m) => `${m.module}=${m.statusText}`).join(',')}/${ctx.now.toISOString()}`,
    title: `${deploymentTitle(deploymentId, ctx)}: ${title}`,
    body: [
      deploymentLine(deploymentId, ctx),
      '',
      text.heading,
      ...listLines(modules, (m) => `  - ${m.module}: ${m.licence} valid until ${m.expiry}; ma list status '${m.statusText}'`, 'modules'),
      '',
      `${text.note} ${fixes.slice(0, 3).join('; ')}${fixes.length > 3 ? '; ...' : ''}`,
    ].join('\n'),
    data: { kind, deploymentId, modules: modules.slice(0, MAX_DATA_ITEMS), modulesTotal: modules.length },
  };
}

const RESOLVED_TEXT = new Map<string, string>([
  ['unverified', 'the renewal is now applied'],
  ['failing', 'checks succeed again'],
  ['dead-man', 'a check succeeded again'],
  ['clock', 'the clock is trustworthy again; expiry alerts resume'],
  ['module-disabled', 'module enabled again (or no longer licensed)'],
  ['module-broken', 'module no longer broken (or no longer licensed)'],
  ['module-needs-upgrade', 'module upgrade installed (or no longer licensed)'],
  ['module-status-unknown', "the module's status is readable again (or no longer licensed)"],
]);

/** A condition is gone: one message closes it. */
export function resolvedAlert(mark: AlertMark, ctx: AlertContext): DraftAlert {
  const [, kind = mark.kind, ...scope] = mark.subject.split('/');
  // The kind comes from a stored subject: a Map answers only for the kinds listed.
  const what = RESOLVED_TEXT.get(kind) ?? 'resolved';
  const where = mark.deploymentId ? deploymentTitle(mark.deploymentId, ctx) : `pbx-activation-agent on ${scope[0] ?? 'local'}`;
  const module = kind.startsWith('module-') ? ` (${scope[scope.length - 1]})` : '';
  return {
    kind: 'resolved',
    severity: 'info',
    deploymentId: mark.deploymentId,
    subjects: [mark.subject],
    dedupKey: `resolved/${mark.subject}/${mark.openedAt}`,
    title: `${where}: resolved: ${what}${module}`,
    body: [`Resolved: ${what}${module}.`, `The problem was first reported at ${mark.openedAt}.`, '', 'Nothing to do.'].join('\n'),
    data: { kind: 'resolved', resolves: kind, subject: mark.subject, openedAt: mark.openedAt },
  };
}

/** What a bought renewal should show: the portal's date, or (bought by the operator's word) any later one. */
function wanted(u: Unverified): string {
  return u.portal === null ? 'bought (renew --module)' : `portal ${u.portal}`;
}

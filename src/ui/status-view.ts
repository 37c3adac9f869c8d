import { formatInstant } from '../core/instant.js';
import { safeLine, TEXT_LIMITS } from '../core/safe-text.js';
import type { DeploymentStatus, StatusItem, StatusReport } from '../app/status.js';
import type { ProbeOutlook } from '../renewals/outlook.js';
import { renderTable, type Cell } from './table.js';

const KIND_LABEL: Record<StatusItem['kind'], string> = {
  activation: 'activation',
  'support-contract': 'support',
  'module-license': 'licence',
  'module-maintenance': 'maintenance',
};

export function renderStatus(report: StatusReport, colour: boolean): string {
  if (report.deployments.length === 0) {
    return 'Nothing recorded yet. Run `pbx-activation-agent check --dry-run` to read the PBX.';
  }
  const source = report.renewalSource ? `Renewals from: ${SOURCE_LINE[report.renewalSource]}\n\n` : '';
  return `${source}${report.deployments.map((d) => renderDeployment(d, colour)).join('\n\n')}`;
}

const SOURCE_LINE: Record<NonNullable<StatusReport['renewalSource']>, string> = {
  activation: 'Update Activation itself (renewals.source "activation"): run when something expires soon, at most once per renewals.probeInterval',
  portal: 'the portal (renewals.source "portal"): Update Activation runs when it shows a renewal',
  off: 'nowhere (renewals.source "off"): Update Activation runs only when you run `renew`',
};

function renderDeployment(d: DeploymentStatus, colour: boolean): string {
  const title = `Deployment ${d.deploymentId}${d.productName ? ` (${safeLine(d.productName, TEXT_LIMITS.product)})` : ''}${d.host === 'local' ? '' : ` on ${d.host}`}`;
  const lines = [colour ? `\x1b[1m${title}\x1b[0m` : title];
  const last = d.lastRun
    ? `${when(d.lastRun.startedAt)} ${d.lastRun.command} -> ${d.lastRun.outcome ?? 'did not finish'}${d.lastRun.error ? `: ${safeLine(d.lastRun.error, TEXT_LIMITS.message)}` : ''}`
    : 'never';
  lines.push(`Last run: ${last}`);
  lines.push(`Last successful check: ${d.lastSuccessfulCheck ? when(d.lastSuccessfulCheck) : 'never'}    Next check: ${d.nextCheck ? when(d.nextCheck) : 'not scheduled (the daemon is not running)'}`);
  if (d.clockWarning) lines.push(colour ? `\x1b[33m! ${d.clockWarning}\x1b[0m` : `! ${d.clockWarning}`);
  if (d.probe) lines.push(probeLine(d.probe, d.nextCheck));
  if (d.pendingRenewals.length > 0) {
    lines.push(`Renewals waiting to be applied: ${d.pendingRenewals.map((p) => `${p.item} ${p.pbx ?? 'none'} -> ${p.portal ?? 'a later date (bought)'}`).join(', ')}`);
  }
  lines.push('');
  lines.push(itemsTable(d.items, colour));
  return lines.join('\n');
}

/** The activation probe: when it last ran, and when it runs next or why not. */
function probeLine(probe: ProbeOutlook, nextCheck: string | null): string {
  const last = probe.last ? `${when(probe.last.at)} (${probe.last.result === 'started' ? 'did not finish' : probe.last.result})` : 'never';
  const next = probe.due ? `at the next check${nextCheck ? ` (${when(nextCheck)})` : ''}: ${probe.reason}` : `not now: ${probe.reason}`;
  return `Update Activation: last ${last}; next ${next}`;
}

/** One row per module (licence and maintenance side by side), plus activation and support contract. */
function itemsTable(items: readonly StatusItem[], colour: boolean): string {
  const maintenance = new Map(items.filter((i) => i.kind === 'module-maintenance').map((i) => [i.moduleKey, i]));
  const licensed = new Set(items.filter((i) => i.kind === 'module-license').map((i) => i.moduleKey));
  const rows = items.filter((i) => i.kind !== 'module-maintenance' || !licensed.has(i.moduleKey));
  return renderTable(
    [{ header: 'ITEM' }, { header: 'KIND' }, { header: 'EXPIRY' }, { header: 'DAYS LEFT', align: 'right' }, { header: 'MAINTENANCE' }, { header: 'MODULE' }],
    rows.map((i) => {
      const m = i.kind === 'module-license' ? maintenance.get(i.moduleKey) : undefined;
      const name = i.moduleKey && i.moduleKey !== 'global' ? i.moduleKey : i.label;
      return [name, KIND_LABEL[i.kind], i.expiry, daysCell(i.daysLeft), m ? m.expiry : '', moduleCell(i)];
    }),
    colour,
  );
}

export function daysCell(days: number | null): Cell {
  if (days === null) return { text: '-' };
  if (days < 0) return { text: `expired ${-days}d ago`, colour: '31;1' };
  if (days === 0) return { text: 'expires today', colour: '31;1' };
  return { text: String(days), colour: days <= 7 ? '31' : days <= 30 ? '33' : undefined };
}

function moduleCell(i: StatusItem): Cell {
  if (i.enabled === null) return { text: '' };
  const name = i.module && i.module !== i.moduleKey ? `${i.module}: ` : '';
  // An unreadable status shows the words themselves: the operator may know what they mean.
  const state = i.enabled === 'unknown' && i.statusText ? `unknown ('${i.statusText}')` : i.enabled;
  const signature = i.signature && i.signature !== 'Sangoma' ? `, ${i.signature.toLowerCase()}` : '';
  const colour = i.enabled === 'enabled' && signature === '' ? undefined : i.enabled === 'broken' ? '31' : '33';
  return { text: `${name}${state}${signature}`, colour };
}

/** `2026-11-26 08:12 UTC`: timestamps are stored in UTC and shown as such. */
export const when: (iso: string) => string = formatInstant;

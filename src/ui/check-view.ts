import type { CheckResult } from '../app/check.js';

export function renderCheck(result: CheckResult, colour: boolean): string {
  const lines: string[] = [];
  const outcome = colour ? `\x1b[1m${result.outcome}\x1b[0m` : result.outcome;
  lines.push(`Outcome: ${outcome}${result.deploymentId ? ` (deployment ${result.deploymentId}, run ${result.runId})` : ` (run ${result.runId})`}`);
  if (result.error) lines.push(`Problem: ${result.error.message}`, `What to do: ${result.error.hint}`);
  for (const w of result.warnings) lines.push(`Warning: ${w}`);
  if (result.changes.length === 0 && !result.error) lines.push('No expiry changed since the last check.');
  for (const c of result.changes) {
    if (c.oldExpiry === null) lines.push(`  new      ${c.label}: ${c.newExpiry}`);
    else if (c.newExpiry === null) lines.push(`  gone     ${c.label}: was ${c.oldExpiry}`);
    else lines.push(`  changed  ${c.label}: ${c.oldExpiry} -> ${c.newExpiry}`);
  }
  return lines.join('\n');
}

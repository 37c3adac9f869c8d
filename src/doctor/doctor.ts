import type { AgentConfig } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { AgentError, errorMessage } from '../errors.js';
import type { PbxShell } from '../pbx/shell.js';
import { runProcess, SpawnError, type ProcessResult } from '../process/run-process.js';
import { renderTable } from '../ui/table.js';

/**
 * `doctor`: a list of independent checks of the host. Each answers ok, warn
 * (works, but worth a look, or could not be told) or fail (the agent cannot do
 * its job), with a fix for every problem. Adding a check is adding an entry.
 */
export type DoctorStatus = 'ok' | 'warn' | 'fail';

export interface DoctorFinding {
  readonly id: string;
  readonly title: string;
  readonly status: DoctorStatus;
  readonly detail: string;
  /** What to do; set for every warn and fail. */
  readonly fix: string | null;
}

export interface DoctorContext {
  readonly config: AgentConfig;
  readonly configPath: string;
  readonly clock: Clock;
  readonly shell: PbxShell;
  readonly uid: number;
  /** Runs a local tool; null when it is not installed. */
  tool(argv: readonly string[], timeoutMs?: number): Promise<ProcessResult | null>;
  /** Results shared between checks (fwconsole sa info is slow: read once). */
  memo<T>(key: string, compute: () => Promise<T>): Promise<T>;
}

export interface DoctorCheck {
  readonly id: string;
  readonly title: string;
  run(context: DoctorContext): Promise<Omit<DoctorFinding, 'id' | 'title'>>;
}

export function ok(detail: string): Omit<DoctorFinding, 'id' | 'title'> {
  return { status: 'ok', detail, fix: null };
}

export function warn(detail: string, fix: string): Omit<DoctorFinding, 'id' | 'title'> {
  return { status: 'warn', detail, fix };
}

export function fail(detail: string, fix: string): Omit<DoctorFinding, 'id' | 'title'> {
  return { status: 'fail', detail, fix };
}

/** Runs every check; one that throws is reported as failed, the others still run. */
export async function runDoctor(checks: readonly DoctorCheck[], context: DoctorContext): Promise<DoctorFinding[]> {
  const findings: DoctorFinding[] = [];
  for (const check of checks) {
    try {
      findings.push({ id: check.id, title: check.title, ...(await check.run(context)) });
    } catch (err) {
      const hint = err instanceof AgentError ? err.hint : 'This is a bug in the check; please report it with the message.';
      findings.push({ id: check.id, title: check.title, status: 'fail', detail: errorMessage(err), fix: hint });
    }
  }
  return findings;
}

export function doctorContext(base: Omit<DoctorContext, 'tool' | 'memo'>): DoctorContext {
  const memos = new Map<string, Promise<unknown>>();
  return {
    ...base,
    async tool(argv, timeoutMs = 10_000) {
      try {
        return await runProcess(argv, { timeoutMs, env: { ...process.env, LANG: 'C', SYSTEMD_PAGER: '', SYSTEMD_COLORS: '0' } });
      } catch (err) {
        if (err instanceof SpawnError && (err.code === 'ENOENT' || err.code === 'EACCES')) return null;
        throw err;
      }
    },
    memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
      let value = memos.get(key) as Promise<T> | undefined;
      if (!value) {
        value = compute();
        memos.set(key, value);
      }
      return value;
    },
  };
}

const MARK: Record<DoctorStatus, { text: string; colour: string }> = {
  ok: { text: 'ok', colour: '32' },
  warn: { text: 'WARN', colour: '33' },
  fail: { text: 'FAIL', colour: '31' },
};

/** One line per check; every problem is followed by its fix. */
export function renderDoctor(findings: readonly DoctorFinding[], colour: boolean): string {
  const rows = findings.flatMap((f) => {
    const line = [{ text: MARK[f.status].text, colour: MARK[f.status].colour }, f.title, f.detail];
    return f.fix === null ? [line] : [line, ['', '', `fix: ${f.fix}`]];
  });
  const failed = findings.filter((f) => f.status === 'fail').length;
  const warned = findings.filter((f) => f.status === 'warn').length;
  const summary = failed > 0 ? `${failed} check(s) failed, ${warned} warning(s)` : warned > 0 ? `all checks passed, ${warned} warning(s)` : 'all checks passed';
  return `${renderTable([{ header: '' }, { header: 'CHECK' }, { header: 'RESULT' }], rows, colour)}\n\n${summary}`;
}

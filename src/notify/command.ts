import { runProcess, SpawnError } from '../process/run-process.js';
import { DeliveryError, oneLine, type AlertMessage, type Channel } from './channel.js';
import { CHANNEL_LIMITS, fitBytes, fitPayload, shortenBody } from './limits.js';

/**
 * A command hook: runs an executable (no shell) with the alert in ALERT_*
 * environment variables. Exit 0 means accepted; anything else, or running past
 * the timeout (the whole process group is then killed), is a failure. A
 * process it leaves holding its output is not waited for, only reported.
 */
export class CommandChannel implements Channel {
  readonly type = 'command';
  readonly description: string;

  constructor(
    readonly id: string,
    private readonly argv: readonly string[],
    private readonly timeoutMs: number,
    /** Told about processes the hook left holding its output (not waited for; see runProcess). */
    private readonly warn: (fields: Record<string, unknown>, message: string) => void = () => {},
  ) {
    this.description = `command ${argv[0]}`;
  }

  async send(message: AlertMessage): Promise<void> {
    let result;
    try {
      result = await runProcess(this.argv, { timeoutMs: this.timeoutMs, env: hookEnvironment(message) });
    } catch (err) {
      throw new DeliveryError(`${this.description}: ${startProblem(err)}`);
    }
    const leftovers = result.leftovers ?? [];
    if (leftovers.length > 0) this.warn({ channel: this.id, leftovers }, 'the alert command left processes holding its output; stopped waiting for them');
    const leftBehind = leftovers.length > 0 ? `; ${leftovers.join(', ')} still held its output` : '';
    if (result.timedOut) throw new DeliveryError(`${this.description}: did not finish within ${Math.round(this.timeoutMs / 1000)}s (stopped)${leftBehind}`);
    if (result.exitCode !== 0) {
      const said = oneLine(result.stderr || result.stdout);
      throw new DeliveryError(`${this.description}: exited with ${result.exitCode === null ? `signal ${result.signal}` : `status ${result.exitCode}`}${said ? `: ${said}` : ''}`);
    }
  }

  redact(text: string): string {
    return text;
  }
}

/** Why the hook could not be started, with what to do about that cause (not every failure is a wrong path). */
function startProblem(err: unknown): string {
  const code = err instanceof SpawnError ? err.code : ((err as NodeJS.ErrnoException).code ?? String(err));
  switch (code) {
    case 'ENOENT':
    case 'EACCES':
    case 'ENOEXEC':
    case 'ENOTDIR':
      return `cannot start it (${code}); check the path and that it is executable`;
    case 'E2BIG':
      // The alert's variables are fitted far below the limit (notify/limits.ts): what is left is the command line itself.
      return 'cannot start it (E2BIG): its arguments and environment are more than the system accepts; shorten the arguments in alerts.channels[].command';
    default:
      return `cannot start it (${code}); check the system's process limits and the hook itself`;
  }
}

/**
 * Only what a hook needs: the agent's own environment (credentials directory, ...) is not passed on.
 * Each variable is fitted to CHANNEL_LIMITS.command, far below what the kernel accepts.
 */
export function hookEnvironment(m: AlertMessage): NodeJS.ProcessEnv {
  const limits = CHANNEL_LIMITS.command;
  return {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: process.env.LANG ?? 'C.UTF-8',
    ...(process.env.TZ === undefined ? {} : { TZ: process.env.TZ }),
    ALERT_ID: m.uid,
    ALERT_KIND: m.kind,
    ALERT_SEVERITY: m.severity,
    ALERT_DEPLOYMENT: m.deploymentId ?? '',
    ALERT_SUBJECT: fitBytes(m.title, limits.subjectBytes),
    ALERT_BODY: fitBytes(shortenBody(m.body, limits.bodyBytes), limits.bodyBytes),
    ALERT_CREATED_AT: m.createdAt,
    ALERT_JSON: fitPayload(m, limits.jsonBytes, (x) => ({ id: x.uid, kind: x.kind, severity: x.severity, deploymentId: x.deploymentId, title: x.title, text: x.body, createdAt: x.createdAt, data: x.data })),
  };
}

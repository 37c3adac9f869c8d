import { runProcess, SpawnError } from '../process/run-process.js';
import { DeliveryError, oneLine, type AlertMessage, type Channel } from './channel.js';

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
      throw new DeliveryError(`${this.description}: cannot start it (${err instanceof SpawnError ? err.code : String(err)}); check the path and that it is executable`);
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

/** Only what a hook needs: the agent's own environment (credentials directory, ...) is not passed on. */
export function hookEnvironment(m: AlertMessage): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: process.env.LANG ?? 'C.UTF-8',
    ...(process.env.TZ === undefined ? {} : { TZ: process.env.TZ }),
    ALERT_ID: m.uid,
    ALERT_KIND: m.kind,
    ALERT_SEVERITY: m.severity,
    ALERT_DEPLOYMENT: m.deploymentId ?? '',
    ALERT_SUBJECT: m.title,
    ALERT_BODY: m.body,
    ALERT_CREATED_AT: m.createdAt,
    ALERT_JSON: JSON.stringify({ id: m.uid, kind: m.kind, severity: m.severity, deploymentId: m.deploymentId, title: m.title, text: m.body, createdAt: m.createdAt, data: m.data }),
  };
}

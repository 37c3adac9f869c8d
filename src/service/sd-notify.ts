import { runProcess } from '../process/run-process.js';
import { timerDelay } from '../core/timer-delay.js';

/**
 * Tells the service manager about readiness, liveness and shutdown
 * (sd_notify). Node has no unix datagram sockets (node:dgram is UDP only)
 * and a native addon would need an install script, so the messages go through
 * systemd's own `systemd-notify`, which waits until systemd has processed them
 * (systemd 246+); the unit sets NotifyAccess=all so a helper may speak for us.
 */
export interface ServiceNotifier {
  ready(status: string): Promise<void>;
  watchdog(): Promise<void>;
  status(text: string): Promise<void>;
  stopping(): Promise<void>;
  /** Half of WATCHDOG_USEC when systemd asked for pings, else null. */
  readonly watchdogIntervalMs: number | null;
}

export interface NotifyLog {
  warn(obj: object, msg: string): void;
}

/** The notifier for this process: systemd-notify when NOTIFY_SOCKET is set, otherwise one that does nothing. */
export function serviceNotifier(env: NodeJS.ProcessEnv, log: NotifyLog): ServiceNotifier {
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return silentNotifier;
  const usec = Number(env.WATCHDOG_USEC);
  const pidOk = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === process.pid;
  const watchdogIntervalMs = Number.isFinite(usec) && usec > 0 && pidOk ? timerDelay(Math.max(1000, Math.floor(usec / 2000))) : null;
  let warned = false;
  const send = async (assignments: readonly string[]) => {
    try {
      const result = await runProcess([env.SYSTEMD_NOTIFY ?? 'systemd-notify', ...assignments], { timeoutMs: 10_000, env: { ...env, NOTIFY_SOCKET: socket } });
      if (result.exitCode !== 0 && !warned) {
        warned = true;
        log.warn({ exitCode: result.exitCode, stderr: result.stderr.trim() }, 'systemd-notify failed; readiness and watchdog messages may not reach systemd');
      }
    } catch (err) {
      if (!warned) {
        warned = true;
        log.warn({ err: (err as Error).message }, 'systemd-notify could not be started (package systemd); readiness and watchdog messages are not sent');
      }
    }
  };
  return {
    watchdogIntervalMs,
    ready: (status) => send(['READY=1', `STATUS=${oneLine(status)}`]),
    watchdog: () => send(['WATCHDOG=1']),
    status: (text) => send([`STATUS=${oneLine(text)}`]),
    stopping: () => send(['STOPPING=1', 'STATUS=stopping']),
  };
}

export const silentNotifier: ServiceNotifier = {
  watchdogIntervalMs: null,
  ready: async () => {},
  watchdog: async () => {},
  status: async () => {},
  stopping: async () => {},
};

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').slice(0, 200);
}

import { runProcess } from '../process/run-process.js';

export interface ClockStatus {
  /** What timedatectl/chrony say; null when neither could tell. */
  readonly synchronized: boolean | null;
  /** This host's clock minus the portal's Date header; null without a portal answer. */
  readonly skewMs: number | null;
  /** False when expiry decisions must wait: unsynchronized, or too far from the portal. */
  readonly trusted: boolean;
  readonly reason: string | null;
}

/** Asks systemd-timesyncd (timedatectl) or chrony whether the system clock is synchronized. */
export async function systemClockSynchronized(): Promise<boolean | null> {
  const timedatectl = await ask(['timedatectl', 'show', '-p', 'NTPSynchronized', '--value']);
  if (timedatectl === 'yes') return true;
  if (timedatectl === 'no') return false;
  const chrony = await ask(['chronyc', '-n', 'tracking']);
  if (chrony !== null) {
    const leap = /^Leap status\s*:\s*(.+)$/m.exec(chrony)?.[1]?.trim();
    if (leap === 'Normal') return true;
    if (leap === 'Not synchronised') return false;
  }
  return null;
}

async function ask(argv: string[]): Promise<string | null> {
  try {
    const result = await runProcess(argv, { timeoutMs: 3000, env: { ...process.env, LC_ALL: 'C' } });
    return result.exitCode === 0 ? result.stdout.trim() : null;
  } catch {
    return null;
  }
}

/**
 * Whether the clock can be trusted for expiry decisions. An unknown sync state
 * alone does not distrust it (containers and SNG7 boxes often cannot tell);
 * a portal Date header far from our time does.
 */
export function assessClock(synchronized: boolean | null, serverDate: Date | null, now: Date, maxSkewMs: number): ClockStatus {
  const skewMs = serverDate ? now.getTime() - serverDate.getTime() : null;
  if (skewMs !== null && Math.abs(skewMs) > maxSkewMs) {
    const minutes = Math.round(Math.abs(skewMs) / 60_000);
    return {
      synchronized,
      skewMs,
      trusted: false,
      reason: `this host's clock is ${minutes} min ${skewMs > 0 ? 'ahead of' : 'behind'} the portal's (limit ${Math.round(maxSkewMs / 60_000)} min)`,
    };
  }
  if (synchronized === false) {
    return { synchronized, skewMs, trusted: false, reason: 'the system clock is not synchronized (timedatectl/chrony say so); enable NTP' };
  }
  return { synchronized, skewMs, trusted: true, reason: null };
}

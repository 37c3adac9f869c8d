/**
 * Times from the future. A stored instant later than now + `clock.maxSkew`
 * was written while the clock ran ahead (a jump, a bad RTC, NTP not yet
 * synchronised). It proves nothing: a "last successful check" in 2031 must not
 * keep the dead-man quiet, a backoff "until 2031" must not stop the checks.
 * Pure: the caller passes now and the limit.
 */
export const FUTURE_NOTE = 'recorded in the future: clock was wrong?';

/** The latest stored instant still believable at `now`, as an ISO string (stored times compare as text). */
export function trustedUntil(now: Date, maxSkewMs: number): string {
  return new Date(now.getTime() + maxSkewMs).toISOString();
}

/** True when `iso` is later than now + maxSkew; an absent or unparsable time is not "from the future". */
export function fromTheFuture(iso: string | null | undefined, now: Date, maxSkewMs: number): boolean {
  if (iso === null || iso === undefined) return false;
  const at = Date.parse(iso);
  return Number.isFinite(at) && at > now.getTime() + maxSkewMs;
}

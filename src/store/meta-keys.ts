/** Keys of the store's `meta` table that more than one part of the agent reads. */
export const META = {
  nextCheckAt: 'next_check_at',
  nextCheckReason: 'next_check_reason',
  failures: 'check_failures',
  backoffUntil: 'check_backoff_until',
  slot: 'schedule_slot',
  /** `probe/<host>`: the last activation probe of that host (see ProbeRepository). */
  probePrefix: 'probe/',
  probeCounts: 'probes_total',
} as const;

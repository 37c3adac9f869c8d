import type { Outcome } from '../src/store/runs.js';

/** Exit codes are part of the interface (README, "Exit codes"); scripts depend on them. */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  pending: 3,
  failed: 4,
  unreachable: 5,
  locked: 6,
  config: 78,
} as const;

export function exitForOutcome(outcome: Outcome): number {
  switch (outcome) {
    case 'up-to-date':
    case 'applied':
      return EXIT.ok;
    case 'pending':
      return EXIT.pending;
    case 'failed':
      return EXIT.failed;
    case 'unreachable':
      return EXIT.unreachable;
  }
}

/**
 * How `run` stops on SIGTERM, in one place because the numbers depend on each
 * other: systemd kills the unit at TimeoutStopSec (20 s). The running job gets
 * STOP_GRACE_MS to finish; then its check process gets SIGTERM and
 * CHILD_KILL_GRACE_MS to record its run as interrupted before SIGKILL; the
 * daemon waits ABORT_WAIT_MS for that (longer than the kill grace, so it sees
 * the end), closes what is left open and exits; HARD_EXIT_MS is the backstop.
 */
export const STOP_GRACE_MS = 8000;
export const CHILD_KILL_GRACE_MS = 4000;
export const ABORT_WAIT_MS = 5000;
export const HARD_EXIT_MS = 14_500;

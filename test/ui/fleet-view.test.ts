import { describe, expect, it } from 'vitest';
import type { FleetReport, HostResult } from '../../src/fleet/run-fleet.js';
import { progressLine, renderFleetReport } from '../../src/ui/fleet-view.js';

const failed = (host: string, message: string): HostResult => ({
  host,
  outcome: 'unreachable',
  deploymentId: null,
  runId: null,
  error: { message, hint: 'Run it again.' },
  startedAt: '2026-11-26T02:00:00.000Z',
  durationMs: 1200,
});

describe('the fleet report', () => {
  it('names each host once before its problem, whatever the message says', () => {
    const hosts = [failed('rome', 'rome2 (root@10.0.0.2:22) did not answer'), failed('rome2', 'not contacted, the run was interrupted')];
    const report: FleetReport = { hosts, counts: { 'up-to-date': 0, applied: 0, pending: 0, unreachable: 2, failed: 0 }, worst: 'unreachable', durationMs: 3000 };

    const text = renderFleetReport(report, false);

    expect(text).toContain('\n  rome: rome2 (root@10.0.0.2:22) did not answer\n    What to do: Run it again.\n');
    expect(text).toContain('\n  rome2: not contacted, the run was interrupted\n');
    expect(text).toMatch(/^2 hosts in \S+: 0 up to date, 0 applied, 0 pending, 0 failed, 2 unreachable$/m);
  });

  it('shows each finished host once in the progress line', () => {
    expect(progressLine(failed('rome2', 'the cycle was stopped: the run was interrupted'), 3, 10)).toBe(
      '[3/10] rome2: unreachable - the cycle was stopped: the run was interrupted',
    );
  });
});

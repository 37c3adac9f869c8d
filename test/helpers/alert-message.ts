import type { AlertMessage } from '../../src/notify/channel.js';

/** An alert as channels receive it, for channel tests. */
export function sampleMessage(overrides: Partial<AlertMessage> = {}): AlertMessage {
  return {
    uid: '3f1c2b8e-0000-4000-8000-000000000001',
    kind: 'expiry',
    severity: 'critical',
    deploymentId: '631',
    title: 'PBX 631: broadcast licence expires in 5 days (2026-12-01)',
    body: 'Expiring on 2026-12-01 (5 days left).\n\nWhat to do: pbx-activation-agent renew --wait 30m',
    data: {},
    createdAt: '2026-11-26T10:00:00.000Z',
    ...overrides,
  };
}

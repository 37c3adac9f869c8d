import { addDays, toDayMonYear } from '../core/expiry.js';
import type { SandboxState, SimModule } from './state.js';

interface ScenarioModule {
  readonly module: Omit<SimModule, 'version' | 'license' | 'status' | 'signature'> & Partial<SimModule>;
  readonly title: string;
  /** Days from today; null = Never. */
  readonly days: number | null;
  /** Print the date as DD-Mon-YYYY instead of YYYY-MM-DD. */
  readonly dayMonYear?: boolean;
}

/**
 * The default sandbox deployment: eight commercial modules whose dates cover
 * already expired, 5, 25 and 200 days, Never, both date formats, a licence key
 * that differs from its module name and a licensed module that is disabled.
 * Names are illustrative; dates are relative to the day `sandbox init` runs.
 */
const MODULES: readonly ScenarioModule[] = [
  { module: { name: 'areminder', version: '17.0.3.9' }, title: 'Appointment Reminder', days: -12 },
  { module: { name: 'broadcast', version: '17.0.1.6' }, title: 'Broadcast', days: 5 },
  { module: { name: 'callaccounting', version: '17.0.5', license: 'Commercial+' }, title: 'Call Accounting', days: 25 },
  { module: { name: 'sysadmin', version: '17.0.27' }, title: 'System Admin Pro', days: 200 },
  { module: { name: 'endpoint', version: '17.0.4.11' }, title: 'EndPoint Manager', days: null },
  { module: { name: 'cdrreports', version: '17.0.2', licenseKey: 'cdrpro' }, title: 'CDR Reports Pro', days: 90, dayMonYear: true },
  { module: { name: 'zulu', version: '17.0.9' }, title: 'Sangoma Connect', days: 60 },
  { module: { name: 'cos', version: '17.0.3', status: 'disabled' }, title: 'Class of Service', days: 300 },
];

export const DEFAULT_DEPLOYMENT_ID = '63198234567';

export function defaultScenario(today: string, options: { deploymentId?: string; rootUid: number; token: string; now: string }): SandboxState {
  const deploymentId = options.deploymentId ?? DEFAULT_DEPLOYMENT_ID;
  const show = (m: ScenarioModule) =>
    m.days === null ? 'Never' : m.dayMonYear ? toDayMonYear(addDays(today, m.days)) : addDays(today, m.days);
  const iso = (m: ScenarioModule) => (m.days === null ? 'Never' : addDays(today, m.days));
  const key = (m: ScenarioModule) => m.module.licenseKey ?? m.module.name;

  const licence: Record<string, string> = { global: addDays(today, 200) };
  for (const m of MODULES) licence[key(m)] = show(m);

  const supportContract = addDays(today, 45);
  const activation = addDays(today, 1400);
  return {
    version: 1,
    pbx: {
      deploymentId,
      productName: 'PBXact UC 25',
      registeredTo: 'Example Telecom Ltd',
      activated: true,
      language: 'en',
      requireTty: true,
      rootUid: options.rootUid,
      ioncubeNoise: true,
      network: 'up',
      apacheRestartSeconds: 2,
      apacheDownUntil: null,
      slowSeconds: 3,
      activationExpiry: toDayMonYear(activation),
      supportContract: { expiration: supportContract, organization: 'Example Telecom Ltd' },
      licence,
      modules: MODULES.map((m) => ({ version: '17.0.1', license: 'Commercial', status: 'enabled', signature: 'Sangoma', ...m.module })),
      faults: {},
      calls: {},
      captured: null,
    },
    portal: {
      token: options.token,
      fault: 'none',
      slowSeconds: 3,
      retryAfterSeconds: 1,
      url: null,
      cursor: 1,
      changes: [{ cursor: 1, deploymentId, at: options.now }],
      deployments: {
        [deploymentId]: {
          name: 'Example Telecom Ltd - main PBX',
          supportContractExpires: supportContract,
          activationExpires: activation,
          revision: 1,
          updatedAt: options.now,
          modules: Object.fromEntries([
            ['global', { name: 'All commercial modules', licenseExpires: addDays(today, 200), maintenanceExpires: addDays(today, 200), visibleToUpdate: true }],
            ...MODULES.map((m) => [key(m), { name: m.title, licenseExpires: iso(m), maintenanceExpires: iso(m), visibleToUpdate: true }]),
          ]),
        },
      },
    },
  };
}

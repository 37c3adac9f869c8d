import { z } from 'zod';
import { AlertSettings } from './alerts-schema.js';
import { Duration } from './duration-schema.js';
import { DEPLOYMENT_ID, MODULE_KEY } from '../core/items.js';

export { Duration };

const LogLevel = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

export const PbxSettings = z.strictObject({
  /** Path of fwconsole on the PBX. */
  fwconsole: z.string().min(1).default('/usr/sbin/fwconsole'),
  /** Where FreePBX keeps `pbxid` and the licence files. */
  schmoozeDir: z.string().min(1).default('/etc/schmooze'),
  /** Run `sa info` under a pseudo-terminal (`script`): real fwconsole refuses without one. */
  tty: z.boolean().default(true),
  /** Prefix the activation command (only that one) with `sudo -n`. */
  sudo: z.boolean().default(false),
  /** Limit for a read (`sa info`, `ma list`). */
  readTimeout: Duration.prefault('2m'),
  /** Limit for `sa activate` / `sa update`. */
  applyTimeout: Duration.prefault('10m'),
  /** `activate` is the full Update Activation; `update` only refreshes the local licence file. */
  applyCommand: z.enum(['activate', 'update']).default('activate'),
  /** After applying: wait this long, then poll `sa info` until it answers, for at most settleTimeout. */
  settleDelay: Duration.prefault('15s'),
  settleTimeout: Duration.prefault('3m'),
  /** Licence key -> module directory name, where they differ (e.g. {"cdrpro": "cdrreports"}). */
  moduleAliases: z.record(z.string().regex(MODULE_KEY), z.string().min(1)).default({}),
});

export const StoreSettings = z.strictObject({
  path: z.string().min(1).default('/var/lib/pbx-activation-agent/agent.db'),
});

export const LogSettings = z.strictObject({
  /** Unset: info for the daemon and for non-interactive runs, warn for commands typed at a terminal. */
  level: LogLevel.optional(),
});

export const AgentConfig = z.strictObject({
  /** Expected deployment id; when set, the agent refuses to apply on a PBX that reports another. */
  deploymentId: z.string().regex(DEPLOYMENT_ID, 'must be letters, digits and dashes').optional(),
  /** IANA zone used for "days left"; default: the host's. */
  timeZone: z
    .string()
    .refine(isTimeZone, 'is not an IANA time zone (e.g. Europe/Rome)')
    .optional(),
  pbx: PbxSettings.prefault({}),
  store: StoreSettings.prefault({}),
  log: LogSettings.prefault({}),
  alerts: AlertSettings.prefault({}),
});

export type AgentConfig = z.output<typeof AgentConfig>;
export type PbxSettings = z.output<typeof PbxSettings>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

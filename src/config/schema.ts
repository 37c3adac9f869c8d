import { z } from 'zod';
import { AlertSettings } from './alerts-schema.js';
import { Duration } from './duration-schema.js';
import { DEPLOYMENT_ID, MODULE_KEY } from '../core/items.js';
import { parseWindow } from '../core/window.js';

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

/** https anywhere; plain http only to this host (the sandbox, a local proxy). */
const PortalUrl = z
  .string()
  .refine((text) => {
    try {
      const url = new URL(text);
      if (url.username || url.password) return false;
      return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname));
    } catch {
      return false;
    }
  }, 'must be an https:// URL without credentials (plain http:// only for 127.0.0.1, ::1 or localhost)');

export const PortalSettings = z.strictObject({
  url: PortalUrl,
  /** File holding the bearer token (mode 0600). Default: the systemd credential `portal-token`. */
  tokenFile: z.string().min(1).optional(),
  tokenCredential: z.string().min(1).default('portal-token'),
  /** PEM CA certificate(s) for a private portal. Verification is never turned off. */
  caFile: z.string().min(1).optional(),
  connectTimeout: Duration.prefault('10s'),
  timeout: Duration.prefault('30s'),
  retries: z.number().int().min(0).max(10).default(3),
  retryBase: Duration.prefault('1s'),
  retryMax: Duration.prefault('60s'),
  /** How often `renew --wait` asks the portal. */
  pollInterval: Duration.prefault('30s'),
});

export const ScheduleSettings = z.strictObject({
  /** Daily window (local time, HH:MM-HH:MM) in which `check` may apply renewals; null: any time. */
  maintenanceWindow: z
    .string()
    .refine((w) => parseWindow(w) !== null, 'must look like 02:00-05:00 (24-hour, may wrap midnight)')
    .nullable()
    .default(null),
});

export const ClockSettings = z.strictObject({
  /** Largest accepted difference between this host's clock and the portal's Date header. */
  maxSkew: Duration.prefault('5m'),
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
  /** Absent: monitor only (read and record the PBX, no renewals). */
  portal: PortalSettings.optional(),
  schedule: ScheduleSettings.prefault({}),
  clock: ClockSettings.prefault({}),
  pbx: PbxSettings.prefault({}),
  store: StoreSettings.prefault({}),
  log: LogSettings.prefault({}),
  alerts: AlertSettings.prefault({}),
});

export type AgentConfig = z.output<typeof AgentConfig>;
export type PbxSettings = z.output<typeof PbxSettings>;
export type PortalSettings = z.output<typeof PortalSettings>;

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

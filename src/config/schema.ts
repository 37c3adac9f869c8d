import { z } from 'zod';
import { parseDuration } from '../core/duration.js';
import { DEPLOYMENT_ID, MODULE_KEY } from '../core/items.js';

/** `30s`, `10m`, `2h`, `1d` or a number of seconds; parsed to milliseconds. */
export const Duration = z
  .union([z.string(), z.number()])
  .transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === null) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (use e.g. 90s, 10m, 2h, 1d)` });
      return z.NEVER;
    }
    return ms;
  });

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

/** Running the cycle over SSH for many PBXs (`fleet` commands); hosts are listed in the inventory file. */
export const FleetSettings = z.strictObject({
  inventory: z.string().min(1).default('/etc/pbx-activation-agent/fleet.json'),
  /** Hosts worked on at the same time. */
  concurrency: z.number().int().min(1).max(500).default(10),
  /** Each worker waits a random time up to this before its first host, so starts are spread. */
  jitter: Duration.prefault('5s'),
  /** A host's whole cycle; past it the host is given up and reported unreachable. */
  hostTimeout: Duration.prefault('20m'),
  /** TCP connect, SSH handshake and authentication. */
  connectTimeout: Duration.prefault('20s'),
  keepaliveInterval: Duration.prefault('15s'),
  keepaliveCountMax: z.number().int().min(1).default(4),
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
  fleet: FleetSettings.prefault({}),
});

export type AgentConfig = z.output<typeof AgentConfig>;
export type PbxSettings = z.output<typeof PbxSettings>;
export type FleetSettings = z.output<typeof FleetSettings>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

import { z } from 'zod';
import { AlertSettings } from './alerts-schema.js';
import { Duration, durationWithin } from './duration-schema.js';
import { DEPLOYMENT_ID, MODULE_KEY } from '../core/items.js';
import { looksLikeWindow, parseWindow } from '../core/window.js';
import { keyedMap } from './keyed-map.js';
import { parseListen } from './listen.js';

// zod compiles a fast parser for a schema on its first use. A process parses its config once (and the few
// answers it reads), so interpreting costs less than compiling: about 10 ms of every command's start. The
// setting is zod's, for the whole process; whoever validates a config has loaded this module.
z.config({ jitless: true });

export { Duration };

/** A module directory name as `ma list` prints it. */
const ModuleName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'must be a module name such as "cdrreports"');

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
  /**
   * Apply through this privileged systemd unit template, started as
   * `<applyUnit>@<action>-<deployment>.service` with systemctl (see systemd/), instead
   * of running fwconsole directly; the hardened service cannot use sudo.
   */
  applyUnit: z.string().regex(/^[A-Za-z0-9:_.-]+$/, 'must be a unit name prefix such as pbx-activation-agent-apply').optional(),
  /** Limit for a read (`sa info`, `ma list`). */
  readTimeout: durationWithin('0s', '1h').prefault('2m'),
  /** Limit for `sa activate` / `sa update`. */
  applyTimeout: durationWithin('0s', '2h').prefault('10m'),
  /** `activate` is the full Update Activation; `update` only refreshes the local licence file. */
  applyCommand: z.enum(['activate', 'update']).default('activate'),
  /** After applying: wait this long, then poll `sa info` until it answers, for at most settleTimeout. */
  settleDelay: durationWithin('0s', '10m').prefault('15s'),
  settleTimeout: durationWithin('0s', '1h').prefault('3m'),
  /** Licence key -> module directory name, where they differ (e.g. {"cdrpro": "cdrreports"}). */
  moduleAliases: keyedMap(z.string().regex(MODULE_KEY, 'must be a licence key such as "cdrpro"'), ModuleName, '{"cdrpro": "cdrreports"}').default(() => new Map()),
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
  connectTimeout: durationWithin('0s', '5m').prefault('10s'),
  timeout: durationWithin('0s', '10m').prefault('30s'),
  retries: z.number().int().min(0).max(10).default(3),
  retryBase: durationWithin('0s', '10m').prefault('1s'),
  retryMax: durationWithin('0s', '1h').prefault('60s'),
  /** How often `renew --wait` asks the portal. */
  pollInterval: durationWithin('0s', '1h').prefault('30s'),
});


/** Where renewals come from: Update Activation itself (the probe), the portal contract, or nowhere. */
export const RenewalSourceKind = z.enum(['activation', 'portal', 'off']);
export type RenewalSourceKind = z.output<typeof RenewalSourceKind>;

export const RenewalSettings = z.strictObject({
  /** Unset: `portal` when a portal section is configured, else `activation`. */
  source: RenewalSourceKind.optional(),
  /** The probe runs Update Activation when an item expires within this... */
  horizon: durationWithin('0s', '365d').prefault('30d'),
  /** ...or expired at most this long ago. */
  grace: durationWithin('0s', '365d').prefault('60d'),
  /** Licence key -> its own horizon, e.g. {"zulu": "60d"}. */
  perModule: keyedMap(z.string().regex(MODULE_KEY, 'must be a licence key such as "zulu"'), durationWithin('0s', '365d'), '{"zulu": "60d"}').default(() => new Map()),
  /** At most one probe (one Apache restart) per this long, across restarts. */
  probeInterval: durationWithin('1s', '90d').prefault('1d'),
  /** `renew --wait` with the activation probe: Update Activation again at most this often. */
  retryEvery: durationWithin('1s', '24h').prefault('5m'),
});
export type RenewalSettings = z.output<typeof RenewalSettings>;

export const ClockSettings = z.strictObject({
  /** Largest accepted difference between this host's clock and the portal's Date header. */
  maxSkew: durationWithin('0s', '1d').prefault('5m'),
});

export const StoreSettings = z.strictObject({
  path: z.string().min(1).default('/var/lib/pbx-activation-agent/agent.db'),
});

export const LogSettings = z.strictObject({
  /** Unset: info for the daemon and for non-interactive runs, warn for commands typed at a terminal. */
  level: LogLevel.optional(),
});

/** `HH:MM-HH:MM`: a daily window; the check runs at a random minute inside it, chosen once and kept. */

export const ScheduleSettings = z.strictObject({
  /** A daily window (`02:00-05:00`) or a cron expression (5 fields, or 6 with seconds), in `timeZone`. */
  check: z
    .string()
    .refine((v) => looksLikeWindow(v) || /^\S+(\s+\S+){4,5}$/.test(v.trim()), 'must be a daily window like "02:00-05:00" or a cron expression like "30 3 * * *"')
    .default('02:00-05:00'),
  /** Daily window (HH:MM-HH:MM, in timeZone) in which `check` may apply renewals; null: any time. `renew` ignores it. */
  maintenanceWindow: z
    .string()
    .refine((w) => parseWindow(w) !== null, 'must look like 02:00-05:00 (24-hour, may wrap midnight)')
    .nullable()
    .default(null),
  /** After a failed or unreachable check: retry after retryMin, doubling up to retryMax. */
  retryMin: durationWithin('0s', '1d').prefault('5m'),
  retryMax: durationWithin('0s', '30d').prefault('6h'),
});

export const RetentionSettings = z.strictObject({
  /** Runs older than this are deleted, except those an expiry change refers to (the history is kept whole). */
  runs: durationWithin('1d', '36500d').prefault('400d'),
});

export const MetricsSettings = z
  .strictObject({
    /** `HOST:PORT` for /metrics and /healthz; unset: no listener. */
    listen: z
      .string()
      .refine((v) => parseListen(v) !== null, 'must be HOST:PORT, e.g. "127.0.0.1:9468" or "[::1]:9468"')
      .optional(),
    /** Allow a non-loopback listen address (metrics show deployment ids and expiry dates). */
    allowRemote: z.boolean().default(false),
    /** /healthz answers 503 when the last successful check is older than this (default: twice the schedule's period). */
    staleAfter: durationWithin('0s', '365d').optional(),
  })
  .superRefine((m, ctx) => {
    const at = m.listen === undefined ? null : parseListen(m.listen);
    if (at && !at.loopback && !m.allowRemote) {
      ctx.addIssue({
        code: 'custom',
        path: ['listen'],
        message: `${at.host} is not a loopback address; metrics would be reachable from the network (set metrics.allowRemote: true if that is intended)`,
      });
    }
  });

/** Running the cycle over SSH for many PBXs (`fleet` commands); hosts are listed in the inventory file. */
export const FleetSettings = z.strictObject({
  inventory: z.string().min(1).default('/etc/pbx-activation-agent/fleet.json'),
  /** Hosts worked on at the same time. */
  concurrency: z.number().int().min(1).max(500).default(10),
  /** Each worker waits a random time up to this before its first host, so starts are spread. */
  jitter: durationWithin('0s', '10m').prefault('5s'),
  /** A host's whole cycle; past it the host is given up and reported unreachable. */
  hostTimeout: durationWithin('0s', '12h').prefault('20m'),
  /** TCP connect, SSH handshake and authentication. */
  connectTimeout: durationWithin('0s', '5m').prefault('20s'),
  keepaliveInterval: durationWithin('0s', '10m').prefault('15s'),
  keepaliveCountMax: z.number().int().min(1).default(4),
});

export const AgentConfig = z
  .strictObject({
    /** Expected deployment id; when set, the agent refuses to apply on a PBX that reports another. */
    deploymentId: z.string().regex(DEPLOYMENT_ID, 'must be letters, digits and dashes').optional(),
    /** IANA zone used for "days left"; default: the host's. */
    timeZone: z
      .string()
      .refine(isTimeZone, 'is not an IANA time zone (e.g. Europe/Rome)')
      .optional(),
    /** The portal contract (docs/portal-api.md); absent: renewals come from Update Activation itself (see renewals.source). */
    portal: PortalSettings.optional(),
    schedule: ScheduleSettings.prefault({}),
    clock: ClockSettings.prefault({}),
    pbx: PbxSettings.prefault({}),
    store: StoreSettings.prefault({}),
    log: LogSettings.prefault({}),
    alerts: AlertSettings.prefault({}),
    retention: RetentionSettings.prefault({}),
    metrics: MetricsSettings.prefault({}),
    renewals: RenewalSettings.prefault({}),
    fleet: FleetSettings.prefault({}),
  })
  .superRefine(
    (config, ctx) => {
      // Also runs when other keys are invalid (every problem is listed), so the value may be partly unparsed.
      const partial = config as { renewals?: { source?: unknown }; portal?: unknown };
      if (partial.renewals?.source === 'portal' && partial.portal === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['renewals', 'source'],
          message: '"portal" needs a portal section (portal.url and its token); without one use "activation" (Update Activation itself) or "off"',
        });
      }
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  );

export type AgentConfig = z.output<typeof AgentConfig>;
export type PbxSettings = z.output<typeof PbxSettings>;
export type PortalSettings = z.output<typeof PortalSettings>;

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

export type ScheduleSettings = z.output<typeof ScheduleSettings>;
export type MetricsSettings = z.output<typeof MetricsSettings>;

export type FleetSettings = z.output<typeof FleetSettings>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

import { z } from 'zod';
import type { Bundle } from '../capture/bundle.js';
import { parseJson } from '../core/strict-json.js';
import { UsageError } from '../errors.js';
import type { SandboxState, SimModule } from './state.js';

/** The facts `capture` recorded in interpretation.json that a simulated PBX needs. */
const Interpretation = z.looseObject({
  'sa-info': z.looseObject({
    ok: z.boolean(),
    deploymentId: z.string().nullable().optional(),
    productName: z.string().nullable().optional(),
    items: z.array(z.looseObject({ item: z.string(), kind: z.string(), moduleKey: z.string().nullable(), expiry: z.string() })).optional(),
  }),
  'ma-list-json': z.looseObject({
    ok: z.boolean(),
    modules: z.array(z.looseObject({ name: z.string(), version: z.string(), statusText: z.string(), state: z.string(), license: z.string(), signature: z.string() })).optional(),
  }),
  pbxid: z.string().nullable(),
});

const SIM_STATUS: ReadonlySet<string> = new Set(['enabled', 'disabled', 'needs-upgrade', 'not-installed', 'broken']);

/**
 * A sandbox state whose fwconsole replays a capture bundle: the captured
 * outputs by their arguments, the captured pbxid, and a portal that shows the
 * captured dates (so `check` finds nothing to renew until a purchase is made).
 */
export function stateFromCapture(bundle: Bundle, base: SandboxState, source: string, now: Date): SandboxState {
  const fix = 'Capture again with `pbx-activation-agent capture`, or start a plain sandbox.';
  const raw = bundle.files.get('interpretation.json');
  let parsed: z.infer<typeof Interpretation>;
  try {
    const json = parseJson(raw?.toString('utf8') ?? 'null');
    if (!json.ok) throw new Error(json.problem);
    parsed = Interpretation.parse(json.value);
  } catch (err) {
    throw new UsageError(`${source}: interpretation.json is missing or unreadable (${(err as Error).message.slice(0, 200)})`, fix);
  }
  const info = parsed['sa-info'];
  const deploymentId = (info.ok ? info.deploymentId : null) ?? parsed.pbxid;
  if (!deploymentId) throw new UsageError(`${source}: the captured PBX reported no deployment id (sa info and pbxid)`, fix);

  const commands = new Map<string, { stdout: string; exitCode: number }>();
  for (const c of bundle.manifest.commands) {
    if (c.program !== 'fwconsole' || c.stdout === null) continue;
    const stdout = bundle.files.get(c.stdout);
    if (stdout) commands.set(c.args.join(' '), { stdout: stdout.toString('utf8'), exitCode: c.exitCode ?? 1 });
  }
  const pbxidPath = bundle.manifest.files.find((f) => f.source.endsWith('/pbxid'))?.path ?? null;
  const pbxid = pbxidPath === null ? null : (bundle.files.get(pbxidPath)?.toString('utf8') ?? null);

  const items = info.ok ? (info.items ?? []) : [];
  const shown = (expiry: string) => (expiry === 'never' ? 'Never' : expiry);
  const licences = items.filter((i) => i.kind === 'module-license' && i.moduleKey !== null);
  const maintenance = new Map(items.filter((i) => i.kind === 'module-maintenance').map((i) => [i.moduleKey, i.expiry]));
  const activation = items.find((i) => i.kind === 'activation')?.expiry ?? null;
  const support = items.find((i) => i.kind === 'support-contract')?.expiry ?? null;
  const modules = (parsed['ma-list-json'].modules ?? []).map(
    (m): SimModule => ({
      name: m.name.toLowerCase().replace(/[^a-z0-9_-]/g, '_'),
      version: m.version,
      license: m.license,
      status: SIM_STATUS.has(m.state) ? (m.state as SimModule['status']) : 'enabled',
      statusText: m.statusText,
      signature: m.signature,
    }),
  );

  return {
    ...base,
    pbx: {
      ...base.pbx,
      deploymentId,
      productName: info.ok && info.productName ? info.productName : base.pbx.productName,
      activated: true,
      activationExpiry: activation === null ? base.pbx.activationExpiry : shown(activation),
      supportContract: support === null ? null : { expiration: shown(support), organization: 'captured' },
      licence: Object.fromEntries(licences.map((l) => [l.moduleKey!, shown(l.expiry)])),
      modules,
      captured: { source, commands: Object.fromEntries(commands), pbxid },
    },
    portal: {
      ...base.portal,
      cursor: 1,
      changes: [{ cursor: 1, deploymentId, at: now.toISOString() }],
      deployments: {
        [deploymentId]: {
          name: `captured from ${source}`,
          supportContractExpires: support === null ? null : shown(support),
          activationExpires: activation === null ? null : shown(activation),
          revision: 1,
          updatedAt: now.toISOString(),
          modules: Object.fromEntries(
            licences.map((l) => [
              l.moduleKey!,
              { name: l.moduleKey!, licenseExpires: shown(l.expiry), maintenanceExpires: shown(maintenance.get(l.moduleKey) ?? l.expiry), visibleToUpdate: true },
            ]),
          ),
        },
      },
    },
  };
}

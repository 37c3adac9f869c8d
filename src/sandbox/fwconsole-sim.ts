import { formatExpiry, parseExpiry, toDayMonYear } from '../core/expiry.js';
import { TRANSLATED_STATUSES, type StatusMsgid } from '../pbx/readers/status-words.generated.js';
import type { FwconsoleFault, SandboxState, SimModule, SimPbx } from './state.js';

/**
 * The simulated fwconsole: a pure function from (state, argv, context) to
 * output and a possibly changed state. It reproduces the quirks of the real
 * one that matter to the agent (TTY requirement, ionCube noise, ANSI colours,
 * localised status words, `sa update` missing portal-side renewals, Apache
 * restarting after `sa activate`, root requirement, network failures).
 */
export interface SimContext {
  readonly isTTY: boolean;
  readonly uid: number;
  readonly now: number;
}

export interface SimResult {
  readonly stdout: string;
  readonly exitCode: number;
  /** Wait this long before printing (slow fault). */
  readonly delayMs: number;
  /** Never finish (hang fault): the caller sleeps until killed. */
  readonly hang: boolean;
  /** Whether the state was changed and must be written back. */
  readonly changed: boolean;
}

const IONCUBE = 'Cannot load the ionCube PHP Loader - it was already loaded';
const FILLER_MODULES: ReadonlyArray<[string, string, string]> = [
  ['core', '17.0.19.4', 'GPLv3+'],
  ['framework', '17.0.19.22', 'GPLv2+'],
  ['sipsettings', '17.0.6', 'AGPLv3+'],
  ['voicemail', '17.0.5.29', 'GPLv3+'],
];
type StatusWords = Record<SimModule['status'], string>;
const ENGLISH: StatusWords = {
  enabled: 'Enabled',
  disabled: 'Disabled',
  'needs-upgrade': 'Disabled; Pending upgrade to ',
  'not-installed': 'Not Installed (Locally available)',
  broken: 'Broken',
};
/** Words seen on older systems (German `Aktivieren` is the GUI's "Enable"). */
const LEGACY_WORDS: ReadonlyMap<string, StatusWords> = new Map([
  ['it', { ...ENGLISH, enabled: 'Attivato', disabled: 'Disattivato', 'not-installed': 'Non installato (disponibile localmente)' }],
  ['de', { ...ENGLISH, enabled: 'Aktivieren', disabled: 'Deaktiviert', 'not-installed': 'Nicht installiert (lokal verfügbar)' }],
]);
const MSGID_OF: Record<SimModule['status'], StatusMsgid> = {
  enabled: 'Enabled',
  disabled: 'Disabled',
  'needs-upgrade': 'Disabled; Pending upgrade to ',
  'not-installed': 'Not Installed (Locally available)',
  broken: 'Broken',
};

/** What fwconsole prints in a language: the .po text as is (entities and all), English where untranslated. */
function statusWords(language: string): StatusWords {
  const legacy = LEGACY_WORDS.get(language);
  if (legacy) return legacy;
  const translated = (status: SimModule['status']) => {
    const w = TRANSLATED_STATUSES.find((t) => t.lang === language && t.msgid === MSGID_OF[status]);
    return w ? (w.raw ?? w.text) : ENGLISH[status];
  };
  return Object.fromEntries(Object.keys(ENGLISH).map((s) => [s, translated(s as SimModule['status'])])) as StatusWords;
}

export function simulate(state: SandboxState, args: readonly string[], ctx: SimContext): SimResult {
  const pbx = state.pbx;
  const words = args.filter((a) => !a.startsWith('-'));
  const command = words.slice(0, 2).join(' ');
  const out = new Output(pbx.ioncubeNoise, ctx.isTTY && !args.includes('--no-ansi'));
  pbx.calls[command] = (pbx.calls[command] ?? 0) + 1;
  const fault: FwconsoleFault = pbx.faults[command] ?? 'none';
  const base = { delayMs: fault === 'slow' ? pbx.slowSeconds * 1000 : 0, hang: false, changed: true };

  if (fault === 'hang') return { ...base, stdout: out.text(), exitCode: 0, hang: true };
  if (fault === 'empty') return { ...base, stdout: '', exitCode: 0 };
  if (fault === 'garbage') {
    out.line('<br />\n<b>Warning</b>:  Undefined array key 3 in <b>/var/www/html/admin/bootstrap.php</b>');
    out.line('\u0000\u0007%%%%%% zz-==-- 17 ### ~~~');
    return { ...base, stdout: out.text(), exitCode: 0 };
  }
  if (fault === 'exit-1') {
    out.line('In Database.class.php line 85:');
    out.line('  SQLSTATE[HY000] [2002] No such file or directory');
    return { ...base, stdout: out.text(), exitCode: 1 };
  }

  if (pbx.captured) {
    // A PBX built from a capture bundle: byte for byte what the real one printed, nothing invented.
    const hit = pbx.captured.commands[args.join(' ')];
    if (hit) return { ...base, changed: true, stdout: hit.stdout, exitCode: hit.exitCode };
    return { ...base, stdout: `Command "${args.join(' ')}" was not captured in ${pbx.captured.source}.\n`, exitCode: 1 };
  }

  switch (command) {
    case 'sa info':
      return { ...base, ...saInfo(pbx, ctx, out) };
    case 'sa activate':
      return { ...base, ...saActivate(state, words[2], ctx, out, fault) };
    case 'sa update':
      return { ...base, ...saUpdate(state, ctx, out, fault) };
    case 'ma list':
      return { ...base, ...maList(pbx, args.includes('--format=json'), out) };
    default:
      out.line(`Command "${command || args.join(' ')}" is not defined.`);
      return { ...base, stdout: out.text(), exitCode: 1 };
  }
}

function saInfo(pbx: SimPbx, ctx: SimContext, out: Output): Pick<SimResult, 'stdout' | 'exitCode'> {
  if (pbx.requireTty && !ctx.isTTY) {
    out.line('This command requires an interactive terminal (TTY). Run it from a terminal session.');
    return { stdout: out.text(), exitCode: 1 };
  }
  if (pbx.apacheDownUntil !== null && ctx.now < pbx.apacheDownUntil) {
    out.line('Unable to reach the local web services (HTTP 503 Service Unavailable): Apache is restarting, try again shortly.');
    return { stdout: out.text(), exitCode: 1 };
  }
  if (!pbx.activated) {
    out.line('No PBXID file found');
    out.line('System not activated, please activate this system through System Admin -> Activation');
    return { stdout: out.text(), exitCode: 1 };
  }
  out.field('Activation Status', 'Activated');
  out.field('Deployment ID', pbx.deploymentId);
  out.field('Product-Name', pbx.productName);
  out.field('Registered-To', pbx.registeredTo);
  out.field('Hardware-Locked', 'Yes');
  out.field('Activation Expiry', pbx.activationExpiry);
  if (pbx.supportContract) {
    out.field('Support Contract Expiry', pbx.supportContract.expiration);
    out.field('support_contract', encodeSupportContract(pbx.supportContract));
  }
  for (const [key, expiry] of Object.entries(pbx.licence)) out.field(key === 'global' ? 'global_lic_exp' : `${key}_exp`, expiry);
  out.field('zulu_users', '25');
  return { stdout: out.text(), exitCode: 0 };
}

function saActivate(
  state: SandboxState,
  deploymentId: string | undefined,
  ctx: SimContext,
  out: Output,
  fault: FwconsoleFault,
): Pick<SimResult, 'stdout' | 'exitCode'> {
  const pbx = state.pbx;
  const refused = privilegedRefusal(pbx, ctx, out, fault);
  if (refused) return refused;
  if (!deploymentId) {
    out.line('Not enough arguments (missing: "deploymentid").');
    return { stdout: out.text(), exitCode: 1 };
  }
  const portal = state.portal.deployments[deploymentId];
  out.line(`Activating this system with deployment ID ${deploymentId}...`);
  if (!portal) {
    out.line(`Activation failed: the deployment ID ${deploymentId} is not valid for this account.`);
    return { stdout: out.text(), exitCode: 1 };
  }
  if (fault !== 'no-change') {
    for (const [key, entitlement] of Object.entries(portal.modules)) pbx.licence[key] = entitlement.licenseExpires;
    if (portal.supportContractExpires) {
      pbx.supportContract = { expiration: portal.supportContractExpires, organization: pbx.supportContract?.organization ?? pbx.registeredTo };
    }
    // The PBX shows the activation expiry as DD-Mon-YYYY whatever the portal uses.
    if (portal.activationExpires) pbx.activationExpiry = asDayMonYear(portal.activationExpires);
    pbx.activated = true;
    pbx.deploymentId = deploymentId;
    for (const entitlement of Object.values(portal.modules)) entitlement.visibleToUpdate = true;
  }
  out.line('Activation successful. Downloading licence...Done');
  out.line('Restarting Apache...');
  pbx.apacheDownUntil = ctx.now + pbx.apacheRestartSeconds * 1000;
  return { stdout: out.text(), exitCode: 0 };
}

function saUpdate(state: SandboxState, ctx: SimContext, out: Output, fault: FwconsoleFault): Pick<SimResult, 'stdout' | 'exitCode'> {
  const pbx = state.pbx;
  const refused = privilegedRefusal(pbx, ctx, out, fault);
  if (refused) return refused;
  const portal = state.portal.deployments[pbx.deploymentId];
  let changed = false;
  // The local licence refresh only sees what the activation servers already
  // pushed: portal-side purchases wait for a full `sa activate`.
  for (const [key, entitlement] of Object.entries(portal?.modules ?? {})) {
    if (fault === 'no-change' || !entitlement.visibleToUpdate || sameDate(pbx.licence[key], entitlement.licenseExpires)) continue;
    pbx.licence[key] = entitlement.licenseExpires;
    changed = true;
  }
  if (!changed) {
    out.line('Updating license...Done. No changes.');
    return { stdout: out.text(), exitCode: 0 };
  }
  out.line('Updating license...Done. License changed:');
  const rows: Array<[string, string]> = [
    ['Product-Name', pbx.productName],
    ['Registered-To', pbx.registeredTo],
    ['Hardware-Locked', 'Yes'],
    ['Expires', pbx.activationExpiry],
    ...Object.entries(pbx.licence).map(([k, v]): [string, string] => [k === 'global' ? 'global_lic_exp' : `${k}_exp`, v]),
    ['zulu_users', '25'],
    ...(pbx.supportContract ? [['support_contract', encodeSupportContract(pbx.supportContract)] as [string, string]] : []),
  ];
  out.table(['Key', 'Value'], rows);
  return { stdout: out.text(), exitCode: 0 };
}

function privilegedRefusal(pbx: SimPbx, ctx: SimContext, out: Output, fault: FwconsoleFault): Pick<SimResult, 'stdout' | 'exitCode'> | null {
  if (ctx.uid !== pbx.rootUid) {
    out.line('This command must be run as root.');
    return { stdout: out.text(), exitCode: 1 };
  }
  if (pbx.network === 'down' || fault === 'network') {
    out.line('Unable to connect to servers from URLs provided: https://activation.sandbox.invalid/activate');
    return { stdout: out.text(), exitCode: 1 };
  }
  return null;
}

function maList(pbx: SimPbx, json: boolean, out: Output): Pick<SimResult, 'stdout' | 'exitCode'> {
  const words = statusWords(pbx.language);
  // showList() appends the version waiting to be installed to "Disabled; Pending upgrade to ".
  const status = (m: SimModule) => m.statusText ?? (m.status === 'needs-upgrade' ? `${words[m.status]}${m.version}.1` : words[m.status]);
  const rows = [
    ...FILLER_MODULES.map(([name, version, license]) => [name, version, words.enabled, license, 'Sangoma']),
    ...pbx.modules.map((m) => [m.name, m.version, status(m), m.license, m.signature]),
  ].sort((a, b) => a[0]!.localeCompare(b[0]!));
  const notice = 'No repos specified, using: [standard,commercial] from last GUI settings';
  if (json) {
    out.line(JSON.stringify({ status: true, type: 'message', data: notice }));
    out.line(JSON.stringify({ status: true, type: 'message', data: rows }));
  } else {
    out.line(notice);
    out.line('');
    out.table(['Module', 'Version', 'Status', 'License', 'Signature'], rows);
  }
  return { stdout: out.text(), exitCode: 0 };
}

export function encodeSupportContract(contract: { expiration: string; organization: string }): string {
  return Buffer.from(JSON.stringify({ expiration: contract.expiration, organization_name: contract.organization })).toString('base64');
}

function sameDate(a: string | undefined, b: string): boolean {
  const x = a === undefined ? null : parseExpiry(a);
  const y = parseExpiry(b);
  return x !== null && y !== null && formatExpiry(x) === formatExpiry(y);
}

function asDayMonYear(text: string): string {
  const expiry = parseExpiry(text);
  return expiry?.kind === 'date' ? toDayMonYear(expiry.date) : text;
}

class Output {
  private readonly lines: string[] = [];

  constructor(
    noise: boolean,
    private readonly colour: boolean,
  ) {
    if (noise) this.lines.push(IONCUBE);
  }

  line(text: string): void {
    this.lines.push(text);
  }

  field(key: string, value: string): void {
    this.lines.push(this.colour ? `\x1b[32m${key}:\x1b[0m ${value}` : `${key}: ${value}`);
  }

  /** Symfony console table, as fwconsole renders them. */
  table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
    const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const border = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
    const row = (cells: readonly string[]) => `|${widths.map((w, i) => ` ${(cells[i] ?? '').padEnd(w)} `).join('|')}|`;
    this.lines.push(border, row(headers), border, ...rows.map(row), border);
  }

  text(): string {
    return this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`;
  }
}

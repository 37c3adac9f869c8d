import { basename } from 'node:path';
import { BUNDLE_FORMAT, packBundle, type CapturedCommand, type CapturedFile, type CaptureManifest } from '../capture/bundle.js';
import { findNames, redactFiles } from '../capture/redact.js';
import type { AgentConfig } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { formatExpiry } from '../core/expiry.js';
import { errorMessage } from '../errors.js';
import type { PbxShell } from '../pbx/shell.js';
import { parseLicenceInfo } from '../pbx/readers/licence-info.js';
import { isLicenceFileName, licenceFileHeader, parsePbxId, readLicenceFile } from '../pbx/readers/licence-file.js';
import { parseModuleList } from '../pbx/readers/module-list.js';
import { agentVersion } from '../version.js';

/**
 * `capture`: everything the agent reads on a PBX, as fwconsole printed it, for
 * a bug report or a sandbox. Only read-only commands are run; the list below is
 * the whole of it (never `sa activate`, `sa update` or anything that changes the PBX).
 */
interface Step {
  readonly name: string;
  readonly program: 'fwconsole' | 'php';
  readonly args: readonly string[];
  readonly tty: boolean;
}

export function captureSteps(config: AgentConfig): readonly Step[] {
  return [
    // As the reader runs it: under the pseudo-TTY wrapper when pbx.tty says so.
    { name: 'sa-info', program: 'fwconsole', args: ['sa', 'info', '--no-ansi'], tty: config.pbx.tty },
    { name: 'ma-list-json', program: 'fwconsole', args: ['ma', 'list', '--format=json'], tty: false },
    { name: 'ma-list', program: 'fwconsole', args: ['ma', 'list'], tty: false },
    { name: 'fwconsole-version', program: 'fwconsole', args: ['--version'], tty: false },
    // Shows the GUI language (the status words' language); without a value it changes nothing.
    { name: 'setting-uidefaultlang', program: 'fwconsole', args: ['setting', 'UIDEFAULTLANG'], tty: false },
    { name: 'php-version', program: 'php', args: ['-v'], tty: false },
  ];
}

export interface CaptureOptions {
  readonly redact: boolean;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface CaptureResult {
  readonly bundle: Buffer;
  readonly manifest: Omit<CaptureManifest, 'entries'>;
  /** One line per command and file, for the operator. */
  readonly summary: string[];
}

export async function captureBundle(config: AgentConfig, shell: PbxShell, clock: Clock, options: CaptureOptions): Promise<CaptureResult> {
  const files = new Map<string, Buffer>();
  const commands: CapturedCommand[] = [];
  const summary: string[] = [];
  const text = (path: string, content: string) => files.set(path, Buffer.from(content, 'utf8'));

  for (const step of captureSteps(config)) {
    const argv = [step.program === 'fwconsole' ? config.pbx.fwconsole : step.program, ...step.args];
    try {
      const r = await shell.exec(argv, { timeoutMs: options.timeoutMs ?? config.pbx.readTimeout, tty: step.tty, signal: options.signal });
      text(`commands/${step.name}.stdout`, r.stdout);
      text(`commands/${step.name}.stderr`, r.stderr);
      commands.push({
        name: step.name,
        program: step.program,
        args: [...step.args],
        tty: step.tty,
        exitCode: r.exitCode,
        signal: r.signal,
        timedOut: r.timedOut,
        durationMs: Math.round(r.durationMs),
        stdout: `commands/${step.name}.stdout`,
        stderr: `commands/${step.name}.stderr`,
        error: null,
      });
      summary.push(`${step.program} ${step.args.join(' ')}: ${r.timedOut ? 'timed out' : `exit ${r.exitCode ?? r.signal}`}, ${r.stdout.length} bytes`);
    } catch (err) {
      commands.push({ name: step.name, program: step.program, args: [...step.args], tty: step.tty, exitCode: null, signal: null, timedOut: false, durationMs: 0, stdout: null, stderr: null, error: errorMessage(err) });
      summary.push(`${step.program} ${step.args.join(' ')}: could not run (${errorMessage(err)})`);
    }
  }

  const captured: CapturedFile[] = [];
  const readInto = async (source: string, path: string, content: CapturedFile['content'], transform: (t: string) => string = (t) => t) => {
    const body = await shell.readFile(source).catch(() => null);
    if (body !== null) text(path, transform(body));
    captured.push({ source, path: body === null ? null : path, content });
    summary.push(`${source}: ${body === null ? 'absent' : content === 'head' ? 'head only' : 'copied'}`);
    return body;
  };
  await readInto('/etc/os-release', 'files/os-release', 'full');
  const pbxid = await readInto(`${config.pbx.schmoozeDir}/pbxid`, 'files/pbxid', 'full');
  const licenceFiles: Array<{ name: string; text: string }> = [];
  for (const name of ((await shell.listDir(config.pbx.schmoozeDir).catch(() => null)) ?? []).filter(isLicenceFileName).sort()) {
    // The readable head only: never the signed or encoded body of a licence.
    const body = await readInto(`${config.pbx.schmoozeDir}/${name}`, `licence-files/${basename(name)}.head`, 'head', (t) => `${licenceFileHeader(t).join('\n')}\n`);
    if (body !== null) licenceFiles.push({ name, text: body });
  }

  text('interpretation.json', `${JSON.stringify(interpret(files, pbxid, licenceFiles), null, 2)}\n`);

  let bundleFiles: Map<string, Buffer> = files;
  let redactions: CaptureManifest['redactions'] = null;
  let listed: CapturedFile[] = captured;
  if (options.redact) {
    const texts = [...files.values()].map((b) => b.toString('utf8'));
    const info = parseLicenceInfo(files.get('commands/sa-info.stdout')?.toString('utf8') ?? '');
    const deploymentIds = [info.ok ? info.value.deploymentId : null, pbxid === null ? null : parsePbxId(pbxid), config.deploymentId ?? null].filter((x): x is string => !!x);
    const redacted = redactFiles(files, { deploymentIds, names: findNames(texts) });
    bundleFiles = redacted.files;
    redactions = redacted.counts;
    // Licence files are named after the deployment: their names in the manifest and the bundle too.
    listed = captured.map((f) => ({ ...f, source: redacted.redact(f.source), path: f.path === null ? null : redacted.redact(f.path) }));
  }

  const manifest: Omit<CaptureManifest, 'entries'> = {
    format: BUNDLE_FORMAT,
    version: 1,
    createdAt: clock.now().toISOString(),
    agentVersion: agentVersion(),
    shell: shell.description,
    fwconsole: config.pbx.fwconsole,
    moduleAliases: Object.fromEntries(config.pbx.moduleAliases),
    redacted: options.redact,
    redactions,
    commands,
    files: listed,
  };
  return { bundle: packBundle(manifest, bundleFiles), manifest, summary };
}

/** What each reader made of each output: the evidence for a bug report, and the facts a sandbox is built from. */
function interpret(files: ReadonlyMap<string, Buffer>, pbxid: string | null, licenceFiles: ReadonlyArray<{ name: string; text: string }>): Record<string, unknown> {
  const out = (name: string) => files.get(`commands/${name}.stdout`)?.toString('utf8') ?? null;
  const info = out('sa-info');
  const licence = info === null ? null : parseLicenceInfo(info);
  const modules = (name: string) => {
    const text = out(name);
    if (text === null) return { ok: false, problem: 'not captured' };
    const parsed = parseModuleList(text);
    return parsed.ok ? { ok: true, modules: parsed.value } : parsed;
  };
  return {
    'sa-info':
      licence === null
        ? { ok: false, problem: 'not captured' }
        : licence.ok
          ? {
              ok: true,
              deploymentId: licence.value.deploymentId,
              productName: licence.value.productName,
              items: licence.value.items.map((i) => ({ item: i.item, kind: i.kind, moduleKey: i.moduleKey, label: i.label, expiry: formatExpiry(i.expiry) })),
            }
          : licence,
    'ma-list-json': modules('ma-list-json'),
    'ma-list': modules('ma-list'),
    pbxid: pbxid === null ? null : parsePbxId(pbxid),
    licenceFiles: licenceFiles.map((f) => {
      const reading = readLicenceFile(f.text);
      return reading.kind === 'zend'
        ? { name: f.name, kind: 'zend', items: reading.items.map((i) => ({ item: i.item, expiry: formatExpiry(i.expiry) })) }
        : { name: f.name, kind: reading.kind, note: reading.note };
    }),
  };
}

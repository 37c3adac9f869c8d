import { createHash } from 'node:crypto';
import { whyStopped } from '../clock/deadline.js';
import { compareExpiry, formatExpiry } from '../core/expiry.js';
import type { LicensedItem } from '../core/items.js';
import { DEPLOYMENT_ID, moduleOfLicence } from '../core/items.js';
import { safeLine } from '../core/safe-text.js';
import { PbxError, type CommandEvidence } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { cleanOutput } from './readers/clean.js';
import { recogniseFailure } from './readers/failures.js';
import { parseLicenceInfo, type LicenceInfo, type ParseResult } from './readers/licence-info.js';
import { isLicenceFileName, parsePbxId, readLicenceFile, type LicenceFileReading } from './readers/licence-file.js';
import { parseModuleList, type ModuleRow } from './readers/module-list.js';
import { MAX_OUTPUT_BYTES } from '../process/run-process.js';
import { SpawnError, type ExecResult, type PbxShell } from './shell.js';

export interface PbxReaderOptions {
  readonly fwconsole: string;
  readonly schmoozeDir: string;
  readonly tty: boolean;
  readonly readTimeoutMs: number;
  /** Keeps output the readers did not recognise, for a bug report; returns where it went. `once`: one file per name, kept. */
  readonly saveRaw: (name: string, text: string, options?: { readonly once?: boolean }) => string | null;
  /** Licence key -> module directory name (pbx.moduleAliases): which modules a licence key makes commercial. */
  readonly moduleAliases?: ReadonlyMap<string, string>;
}

export interface PbxSnapshot {
  readonly deploymentId: string;
  readonly productName: string | null;
  /** Activation, support contract and module licences as fwconsole shows them. */
  readonly items: LicensedItem[];
  readonly modules: ModuleRow[];
  /** Disagreements worth telling the operator about (licence file vs fwconsole, pbxid vs sa info). */
  readonly warnings: string[];
  readonly durationMs: number;
}

/** Reads a FreePBX through fwconsole (and, when recognised, its licence file). Changes nothing. */
export class PbxReader {
  /** What commands left behind (see takeNotices). */
  private readonly notices: string[] = [];

  constructor(
    private readonly shell: PbxShell,
    private readonly options: PbxReaderOptions,
    private readonly log: Logger,
  ) {}

  async read(signal?: AbortSignal): Promise<PbxSnapshot> {
    const started = performance.now();
    const info = await this.readLicence(signal);
    const { rows: modules, result: listed } = await this.listModules(signal);
    const warnings: string[] = this.unreadableStatuses(modules, info.items, listed);

    const pbxid = await this.readPbxIdFile();
    let deploymentId = info.deploymentId ?? pbxid;
    if (info.deploymentId && pbxid && info.deploymentId !== pbxid) {
      warnings.push(`fwconsole reports deployment ${safeLine(info.deploymentId, 64)} but ${this.options.schmoozeDir}/pbxid says ${pbxid}; using fwconsole's`);
    }
    if (!deploymentId || !DEPLOYMENT_ID.test(deploymentId)) {
      throw new PbxError(
        'the PBX did not report a usable deployment id',
        `Check that the PBX is activated (System Admin -> Activation) and that ${this.options.schmoozeDir}/pbxid exists.`,
        'not-activated',
      );
    }
    deploymentId = deploymentId.trim();
    warnings.push(...(await this.compareWithLicenceFile(info.items)));
    for (const w of warnings) this.log.warn({ deploymentId }, w);

    return {
      deploymentId,
      productName: info.productName,
      items: info.items,
      modules,
      warnings,
      durationMs: performance.now() - started,
    };
  }

  /**
   * Warnings about commands run since the last call, for the run's record:
   * processes a command left holding its output, which were not waited for.
   */
  takeNotices(): string[] {
    return this.notices.splice(0);
  }

  /** `fwconsole sa info`: deployment id, activation, support contract, module licences. */
  async readLicence(signal?: AbortSignal): Promise<LicenceInfo> {
    const result = await this.run(['sa', 'info', '--no-ansi'], { tty: this.options.tty, signal });
    return this.parsed('sa info', result, parseLicenceInfo(result.stdout));
  }

  /** `fwconsole ma list --format=json`: which commercial modules are installed and enabled. */
  async readModules(signal?: AbortSignal): Promise<ModuleRow[]> {
    return (await this.listModules(signal)).rows;
  }

  private async listModules(signal?: AbortSignal): Promise<{ rows: ModuleRow[]; result: ExecResult }> {
    const result = await this.run(['ma', 'list', '--format=json'], { tty: false, signal });
    const rows = this.parsed('ma list', result, parseModuleList(result.stdout));
    if (rows.length === 0) {
      // Every FreePBX has at least the framework module: an empty list is a broken read, not a fact.
      throw this.unrecognised('ma list', result, 'the module list is empty');
    }
    return { rows, result };
  }

  /**
   * A licensed or commercial module whose status text matches no known word:
   * never taken for enabled. The output is kept (one file per module and text)
   * for a bug report, and the alert plan raises its own alert from the stored state.
   */
  private unreadableStatuses(modules: readonly ModuleRow[], items: readonly LicensedItem[], listed: ExecResult): string[] {
    const licensed = licensedModuleNames(items, this.options.moduleAliases ?? new Map());
    const warnings: string[] = [];
    for (const m of modules) {
      if (m.state !== 'unknown' || !(m.commercial || licensed.has(m.name))) continue;
      // Hash first: dump names are cut at 40 characters, and the text is what makes one dump differ from another.
      const name = `ma-list-status-${createHash('sha256').update(m.statusText).digest('hex').slice(0, 10)}-${m.name}`;
      const savedTo = this.options.saveRaw(name, `# module ${m.name}: status text '${m.statusText}' not recognised\n${rawReport(listed)}`, { once: true });
      warnings.push(`cannot tell whether ${m.name} is enabled: status text '${m.statusText}'${savedTo ? ` (output kept in ${savedTo})` : ''}`);
    }
    return warnings;
  }

  /** Runs fwconsole with the given arguments and classifies failures. */
  run(args: readonly string[], opts: RunOptions): Promise<ExecResult> {
    return this.runCommand([this.options.fwconsole, ...args], `fwconsole ${args.filter((a) => !a.startsWith('--')).join(' ')}`, opts);
  }

  /** Runs a PBX command (fwconsole, or the privileged apply unit) and classifies failures like fwconsole's. */
  async runCommand(argv: readonly string[], what: string, opts: RunOptions): Promise<ExecResult> {
    let result: ExecResult;
    try {
      result = await this.shell.exec(argv, {
        timeoutMs: opts.timeoutMs ?? this.options.readTimeoutMs,
        tty: opts.tty,
        sudo: opts.sudo ?? false,
        signal: opts.signal,
      });
    } catch (err) {
      if (err instanceof SpawnError) throw this.spawnFailure(err);
      throw err;
    }
    this.log.debug({ command: what, exitCode: result.exitCode, ms: Math.round(result.durationMs) }, 'fwconsole finished');

    const evidence = toEvidence(result);
    const leftBehind = result.leftovers?.length ? `; ${result.leftovers.join(', ')} still held its output and was not waited for` : '';
    if (leftBehind) {
      this.log.warn({ command: what, leftovers: result.leftovers }, 'a command left processes holding its output; stopped waiting for them');
      this.notices.push(`${what} left ${result.leftovers!.join(', ')} holding its output; the agent stopped waiting for it (a process in the command's own group is killed)`);
    }
    if (result.timedOut) {
      throw new PbxError(
        `${what} did not finish within ${Math.round((opts.timeoutMs ?? this.options.readTimeoutMs) / 1000)}s and was stopped${leftBehind}`,
        'The PBX may be overloaded or fwconsole is stuck on a lock; run the command by hand to see, or raise pbx.readTimeout / pbx.applyTimeout.',
        'timeout',
        evidence,
      );
    }
    if (result.aborted) {
      throw new PbxError(`${what} was stopped because ${whyStopped(opts.signal)}${leftBehind}`, 'It will run again at the next check.', 'timeout', evidence);
    }
    // script(1) and shells report "command not found" and "permission denied" as 127 and 126.
    if (result.exitCode === 127) throw this.notFound(evidence);
    if (result.exitCode === 126) {
      throw new PbxError(`${this.options.fwconsole} is not executable`, `Check its permissions (ls -l ${this.options.fwconsole}).`, 'not-executable', evidence);
    }
    const lines = cleanOutput(`${result.stdout}\n${result.stderr}`).lines;
    const known = recogniseFailure(lines);
    if (known && (result.exitCode !== 0 || lines.length <= 3)) {
      throw new PbxError(`${what} failed: ${known.line}`, known.hint, known.reason, evidence);
    }
    if (result.exitCode !== 0) {
      const last = lines.at(-1)?.trim() || '(no output)';
      throw new PbxError(
        `${what} exited with status ${result.exitCode ?? `signal ${result.signal}`}: ${last.slice(0, 200)}`,
        `Run "${what}" on the PBX by hand to see the full error.`,
        'exit-status',
        evidence,
      );
    }
    return result;
  }

  /** A read that hit a limit is not data: what was cut may be exactly what is missing. */
  private parsed<T>(what: string, result: ExecResult, parsed: ParseResult<T>): T {
    if (result.truncated) throw this.unreadable(what, result, `it printed more than ${MAX_OUTPUT_BYTES / (1024 * 1024)} MiB; the output was cut there`, 'output-too-large');
    if (parsed.ok) return parsed.value;
    throw this.unrecognised(what, result, parsed.problem);
  }

  private unrecognised(what: string, result: ExecResult, problem: string): PbxError {
    const empty = result.stdout.trim() === '';
    return this.unreadable(what, result, `unrecognised output from fwconsole ${what}: ${empty ? 'it printed nothing' : problem}`, 'unrecognised-output');
  }

  /** A read nothing may be recorded from; the raw output is kept for a bug report. */
  private unreadable(what: string, result: ExecResult, message: string, reason: 'unrecognised-output' | 'output-too-large'): PbxError {
    const savedTo = this.options.saveRaw(what.replace(/\s+/g, '-'), rawReport(result)) ?? undefined;
    return new PbxError(
      reason === 'output-too-large' ? `fwconsole ${what} could not be read completely: ${message}` : message,
      savedTo
        ? `Nothing was recorded from it. The raw output is saved in ${savedTo}; please attach it to a bug report.`
        : 'Nothing was recorded from it. Run the command by hand and attach its output to a bug report.',
      reason,
      { ...toEvidence(result), ...(savedTo ? { savedTo } : {}) },
    );
  }

  private spawnFailure(err: SpawnError): PbxError {
    if (err.code === 'ENOENT') return this.notFound({ argv: err.argv, exitCode: null, signal: null, stdout: '', stderr: err.message });
    if (err.code === 'EACCES') {
      return new PbxError(`${this.options.fwconsole} is not executable`, `Check its permissions (ls -l ${this.options.fwconsole}).`, 'not-executable');
    }
    return new PbxError(`cannot start fwconsole: ${err.message}`, 'Check pbx.fwconsole and the agent host.', 'not-found');
  }

  private notFound(evidence: CommandEvidence): PbxError {
    const wrapper = evidence.argv[0] === 'script' ? ' (or `script` from util-linux, needed for pbx.tty)' : '';
    return new PbxError(
      `fwconsole not found at ${this.options.fwconsole}${wrapper}`,
      'Is this a FreePBX host? Set pbx.fwconsole to the right path (usually /usr/sbin/fwconsole).',
      'not-found',
      evidence,
    );
  }

  private async readPbxIdFile(): Promise<string | null> {
    const text = await this.shell.readFile(`${this.options.schmoozeDir}/pbxid`).catch(() => null);
    return text === null ? null : parsePbxId(text);
  }

  /** `license-*.zl` and `schmooze.zl` in the schmooze directory, with what each is. */
  async readLicenceFiles(): Promise<Array<{ path: string; text: string; reading: LicenceFileReading }>> {
    const names = (await this.shell.listDir(this.options.schmoozeDir).catch(() => null)) ?? [];
    const files: Array<{ path: string; text: string; reading: LicenceFileReading }> = [];
    for (const name of names.filter(isLicenceFileName).sort()) {
      const path = `${this.options.schmoozeDir}/${name}`;
      const text = await this.shell.readFile(path).catch(() => null);
      if (text !== null) files.push({ path, text, reading: readLicenceFile(text) });
    }
    return files;
  }

  /** The fast, read-only path: where a Zend licence file is recognised, it must agree with fwconsole. */
  private async compareWithLicenceFile(items: readonly LicensedItem[]): Promise<string[]> {
    const fromFwconsole = new Map(items.map((i) => [i.item, i]));
    const warnings: string[] = [];
    for (const { path, reading } of await this.readLicenceFiles()) {
      if (reading.kind === 'contradictory') {
        warnings.push(`${path} ${reading.note}`);
        continue;
      }
      if (reading.kind !== 'zend') {
        this.log.info({ path }, reading.note);
        continue;
      }
      for (const f of reading.items) {
        const other = fromFwconsole.get(f.item);
        if (other && compareExpiry(other.expiry, f.expiry) !== 0) {
          warnings.push(`${f.label}: fwconsole says ${formatExpiry(other.expiry)} but ${path} says ${formatExpiry(f.expiry)}; trusting fwconsole`);
        }
      }
    }
    return warnings;
  }
}

export interface RunOptions {
  readonly tty: boolean;
  readonly sudo?: boolean;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal | undefined;
}

/** Module directory names that a licence key in `sa info` makes commercial. */
export function licensedModuleNames(items: readonly LicensedItem[], aliases: ReadonlyMap<string, string>): Set<string> {
  const names = new Set<string>();
  for (const i of items) {
    const module = i.kind === 'module-license' ? moduleOfLicence(i.moduleKey, aliases) : null;
    if (module !== null) names.add(module);
  }
  return names;
}

function toEvidence(result: ExecResult): CommandEvidence {
  return { argv: result.argv, exitCode: result.exitCode, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

function rawReport(result: ExecResult): string {
  return [
    `# command: ${result.argv.join(' ')}`,
    `# exit: ${result.exitCode ?? ''} signal: ${result.signal ?? ''}`,
    '# --- stdout',
    result.stdout,
    '# --- stderr',
    result.stderr,
  ].join('\n');
}

import { readdirSync } from 'node:fs';
import { pbxReaderFor } from '../app/reader.js';
import { rawCaptureDir } from '../app/raw-capture.js';
import { errorMessage } from '../errors.js';
import { silentLogger } from '../log/logger.js';
import { licensedModuleNames } from '../pbx/pbx-reader.js';
import type { ModuleRow } from '../pbx/readers/module-list.js';
import { fail, ok, warn, type DoctorCheck, type DoctorContext } from './doctor.js';
import { licence } from './host-checks.js';

export const CAPTURE_COMMAND = 'pbx-activation-agent capture --redact';

/** `fwconsole ma list`, read once for the checks that need it. */
function modules(ctx: DoctorContext): Promise<ModuleRow[]> {
  return ctx.memo('modules', () => pbxReaderFor(ctx.config, ctx.shell, ctx.clock, silentLogger).readModules());
}

/** Commercial: by the License column, or because `sa info` holds a licence key for it. */
async function commercialModules(ctx: DoctorContext): Promise<ModuleRow[]> {
  const [rows, info] = await Promise.all([modules(ctx), licence(ctx).catch(() => null)]);
  const licensed = info ? licensedModuleNames(info.items, ctx.config.pbx.moduleAliases) : new Set<string>();
  return rows.filter((m) => m.commercial || licensed.has(m.name));
}

/**
 * An unsigned (or unknown-signature) commercial module was not installed from
 * Sangoma's repository as shipped: it may be tampered with, or half-upgraded.
 */
const signatures: DoctorCheck = {
  id: 'signatures',
  title: 'module signatures',
  async run(ctx) {
    let commercial: ModuleRow[];
    try {
      commercial = await commercialModules(ctx);
    } catch (err) {
      return fail(`unknown: fwconsole ma list could not be read (${errorMessage(err)})`, 'Fix the fwconsole check first.');
    }
    const bad = commercial.filter((m) => /^(unsigned|unknown)$/i.test(m.signature));
    if (bad.length > 0) {
      return warn(
        `commercial module${bad.length === 1 ? '' : 's'} without a valid signature: ${bad.map((m) => `${m.name} (${m.signature})`).join(', ')}`,
        `Reinstall from Sangoma's repository (fwconsole ma downloadinstall ${bad.map((m) => m.name).join(' ')}) and run fwconsole ma refreshsignatures; check the host if they were not changed on purpose.`,
      );
    }
    const unchecked = commercial.filter((m) => m.signature === '').length;
    return ok(
      unchecked === commercial.length && commercial.length > 0
        ? `${commercial.length} commercial modules; fwconsole does not check signatures (Advanced Settings: Enable Module Signature Checking)`
        : `${commercial.length} commercial modules, none unsigned`,
    );
  },
};

/** Words the readers did not know: the agent guesses nothing, so it asks for a capture to learn them. */
const unrecognised: DoctorCheck = {
  id: 'unrecognised',
  title: 'unrecognised output',
  async run(ctx) {
    const dir = rawCaptureDir(ctx.config.store.path);
    const saved = savedDumps(dir);
    const unknown = await commercialModules(ctx)
      .then((rows) => rows.filter((m) => m.state === 'unknown'))
      .catch(() => []);
    if (unknown.length === 0 && saved.length === 0) return ok('every status word and field fwconsole printed was recognised');
    const what = [
      ...(unknown.length > 0 ? [`cannot tell whether ${unknown.map((m) => `${m.name} ('${m.statusText}')`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} enabled`] : []),
      ...(saved.length > 0 ? [`${saved.length} unrecognised output${saved.length === 1 ? '' : 's'} kept in ${dir}`] : []),
    ];
    return warn(what.join('; '), `Run \`${CAPTURE_COMMAND}\` and send the bundle it writes to the agent's maintainers, so the words are learnt${saved.length > 0 ? `; then remove the files in ${dir}` : ''}.`);
  },
};

/** The dumps kept so far; none when the directory is missing or not ours to list (run as another user). */
function savedDumps(dir: string): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.txt'));
  } catch {
    return [];
  }
}

export const MODULE_CHECKS: readonly DoctorCheck[] = [signatures, unrecognised];

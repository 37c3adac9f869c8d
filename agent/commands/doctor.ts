import { systemClock } from '../../src/core/clock.js';
import { doctorContext, renderDoctor, runDoctor } from '../../src/doctor/doctor.js';
import { HOST_CHECKS } from '../../src/doctor/host-checks.js';
import { LocalShell } from '../../src/pbx/local-shell.js';
import { EXIT } from '../exit-codes.js';
import { print, printJson, startRuntime, type GlobalOptions } from '../runtime.js';

/** Exit 0 when no check failed (warnings allowed), 4 when one did, 78 for an invalid configuration. */
export async function doctorCommand(options: GlobalOptions): Promise<number> {
  const { loaded, tty } = startRuntime(options);
  const shell = new LocalShell();
  try {
    const context = doctorContext({ config: loaded.config, configPath: loaded.path, clock: systemClock, shell, uid: process.getuid?.() ?? 0 });
    const findings = await runDoctor(HOST_CHECKS, context);
    const failed = findings.some((f) => f.status === 'fail');
    if (options.json) printJson({ ok: !failed, checks: findings });
    else print(renderDoctor(findings, tty));
    return failed ? EXIT.failed : EXIT.ok;
  } finally {
    await shell.close();
  }
}

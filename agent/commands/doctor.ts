import { systemClock } from '../../src/core/clock.js';
import { doctorContext, renderDoctor, runDoctor } from '../../src/doctor/doctor.js';
import { HOST_CHECKS } from '../../src/doctor/host-checks.js';
import { MODULE_CHECKS } from '../../src/doctor/module-checks.js';
import { portalCheck } from '../../src/doctor/portal-check.js';
import { silentLogger } from '../../src/log/logger.js';
import { LocalShell } from '../../src/pbx/local-shell.js';
import { EXIT } from '../exit-codes.js';
import { print, printJson, startRuntime, type GlobalOptions } from '../runtime.js';
import { portalClient } from '../wiring.js';

/** Exit 0 when no check failed (warnings allowed), 4 when one did, 78 for an invalid configuration. */
export async function doctorCommand(options: GlobalOptions): Promise<number> {
  const { loaded, tty } = startRuntime(options);
  const shell = new LocalShell();
  try {
    const context = doctorContext({ config: loaded.config, configPath: loaded.path, clock: systemClock, shell, uid: process.getuid?.() ?? 0 });
    // Nothing the doctor asks is kept: the portal's answer goes to a throwaway cache, not the store.
    const memoryCache = { get: () => null, put: () => undefined, touch: () => undefined };
    const checks = [...HOST_CHECKS, ...MODULE_CHECKS, portalCheck(() => portalClient(loaded.config, loaded.path, memoryCache, silentLogger))];
    const findings = await runDoctor(checks, context);
    const failed = findings.some((f) => f.status === 'fail');
    if (options.json) printJson({ ok: !failed, checks: findings });
    else print(renderDoctor(findings, tty));
    return failed ? EXIT.failed : EXIT.ok;
  } finally {
    await shell.close();
  }
}

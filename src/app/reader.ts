import type { AgentConfig } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../log/logger.js';
import { PbxReader } from '../pbx/pbx-reader.js';
import type { PbxShell } from '../pbx/shell.js';
import { makeRawSaver } from './raw-capture.js';

/** The PBX reader as the configuration describes it; unrecognised output is kept next to the store. */
export function pbxReaderFor(config: AgentConfig, shell: PbxShell, clock: Clock, log: Logger): PbxReader {
  return new PbxReader(
    shell,
    {
      fwconsole: config.pbx.fwconsole,
      schmoozeDir: config.pbx.schmoozeDir,
      tty: config.pbx.tty,
      readTimeoutMs: config.pbx.readTimeout,
      saveRaw: makeRawSaver(config.store.path, () => clock.now()),
      moduleAliases: config.pbx.moduleAliases,
    },
    log,
  );
}

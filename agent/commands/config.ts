import { resolveConfigPath } from '../../src/config/config-file.js';
import { loadConfig } from '../../src/config/load.js';
import { readPortalFiles } from '../../src/config/portal-files.js';
import { ConfigError } from '../../src/errors.js';
import { buildChannels } from '../../src/notify/build.js';
import { redactUrl } from '../../src/notify/channel.js';
import { scheduleProblems } from '../../src/service/schedule.js';
import { EXIT } from '../exit-codes.js';
import { print, printJson } from '../output.js';
import { configText, type GlobalOptions } from '../runtime.js';

/**
 * `config check`: validates the configuration as the daemon would (schema,
 * schedule, alert channels, the portal, and the files they name). The daemon itself runs
 * this in a child process at start and on SIGHUP, so it never keeps the
 * validator in memory; `--json` gives it the validated configuration.
 */
export async function configCheckCommand(options: GlobalOptions): Promise<number> {
  const path = resolveConfigPath(options.config);
  try {
    const loaded = loadConfig(path, configText(options, path));
    // The schedule and the alert channels are checked apart from the schema: gather both, list every problem.
    const problems = scheduleProblems(loaded.config.schedule.check);
    await buildChannels(loaded.config.alerts, loaded.path).catch((err: unknown) => {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    });
    // The portal's token and CA files as the cycle reads them (a token only in a systemd credential is there
    // only under the service: checked then).
    const portal = loaded.config.portal;
    if (portal && (portal.tokenFile || process.env.CREDENTIALS_DIRECTORY)) {
      try {
        readPortalFiles(portal, loaded.path);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        problems.push(...err.problems);
      }
    }
    if (problems.length > 0) throw new ConfigError(loaded.path, problems);
    // Webhook URLs carry tokens: shown as scheme and host only (the daemon does not send alerts itself).
    const shown = { ...loaded.config, alerts: { ...loaded.config.alerts, channels: loaded.config.alerts.channels.map((c) => ('url' in c && typeof c.url === 'string' ? { ...c, url: redactUrl(c.url) } : c)) } };
    if (options.json) printJson({ ok: true, path, digest: loaded.digest, config: shown });
    else print(`The configuration ${path} is valid.`);
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof ConfigError) || !options.json) throw err;
    printJson({ ok: false, file: err.file, problems: err.problems, hint: err.hint });
    return EXIT.config;
  }
}

import { parseConfig } from '../../src/config/load.js';
import type { ConfigError } from '../../src/errors.js';

/** The problems `config check` would list for this configuration; none when it is valid. */
export function configProblems(config: object): readonly string[] {
  try {
    parseConfig(JSON.stringify(config), '/etc/pbx-activation-agent/config.json');
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
}

import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';

export interface SecretSource {
  /** What the secret is, for messages: "portal token". */
  readonly what: string;
  /** The config key that names the file, for messages: "portal.tokenFile". */
  readonly key: string;
  /** Path from the config, if any. */
  readonly file?: string | undefined;
  /** Name of the systemd credential (`LoadCredential=NAME:...`) looked up in $CREDENTIALS_DIRECTORY. */
  readonly credential: string;
}

/**
 * Reads a secret from its file, or from systemd's credentials directory.
 * A file that group or others can read is refused: the secret may already
 * have leaked, and the operator must know.
 */
export function readSecret(source: SecretSource, configPath: string, env: NodeJS.ProcessEnv = process.env): string {
  const path = source.file ?? credentialPath(source.credential, env);
  if (path === null) {
    throw new ConfigError(configPath, [`${source.key}: no ${source.what} configured`], `Put the ${source.what} in a file (chmod 600) and set ${source.key}, or pass it as the systemd credential "${source.credential}" (LoadCredential=).`);
  }
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      configPath,
      [`${source.key}: the ${source.what} file ${path} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`],
      `Create the file with the ${source.what} as its only content, owned by the agent's user, mode 600.`,
    );
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new ConfigError(configPath, [`${source.key}: ${path} is not a regular file`]);
    }
    if ((stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new ConfigError(
        configPath,
        [`${source.key}: the ${source.what} file ${path} is readable by group or others (mode ${mode})`],
        `Run: chmod 600 ${path} (and chown it to the agent's user). Consider the ${source.what} exposed and rotate it if others had access.`,
      );
    }
    const value = readFileSync(fd, 'utf8').trim();
    if (value === '') throw new ConfigError(configPath, [`${source.key}: the ${source.what} file ${path} is empty`]);
    return value;
  } finally {
    closeSync(fd);
  }
}

function credentialPath(name: string, env: NodeJS.ProcessEnv): string | null {
  const dir = env.CREDENTIALS_DIRECTORY;
  if (!dir) return null;
  return join(dir, name);
}

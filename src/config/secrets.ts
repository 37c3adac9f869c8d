import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { FILE_LIMITS, FileReadError, readBoundedFile } from './bounded-file.js';

/**
 * How a secret must look. `line`: one line of printable ASCII (a token, a
 * webhook URL): anything else would be sent mangled. `password`: one line
 * without control characters (UTF-8 allowed). `pem`: a private key file.
 */
export type SecretFormat = 'line' | 'password' | 'pem';

export interface SecretSource {
  /** What the secret is, for messages: "portal token". */
  readonly what: string;
  /** The config key that names the file, for messages: "portal.tokenFile". */
  readonly key: string;
  /** Path from the config, if any. */
  readonly file?: string | undefined;
  /** Name of the systemd credential (`LoadCredential=NAME:...`) looked up in $CREDENTIALS_DIRECTORY. */
  readonly credential: string;
  /** Default `line`. */
  readonly format?: SecretFormat;
}

/**
 * Reads a secret from its file, or from systemd's credentials directory.
 * A file that group or others can read is refused: the secret may already
 * have leaked, and the operator must know. Only regular files of a secret's
 * size are read (see bounded-file.ts); messages name the path as configured
 * (never a symlink's target) and never show the content.
 */
export function readSecret(source: SecretSource, configPath: string, env: NodeJS.ProcessEnv = process.env): string {
  const path = source.file ?? credentialPath(source.credential, env);
  if (path === null) {
    throw new ConfigError(configPath, [`${source.key}: no ${source.what} configured`], `Put the ${source.what} in a file (chmod 600) and set ${source.key}, or pass it as the systemd credential "${source.credential}" (LoadCredential=).`);
  }
  const format = source.format ?? 'line';
  const fileLabel = `the ${source.what} file ${path}`;
  let bytes: Buffer;
  try {
    bytes = readBoundedFile(path, format === 'pem' ? FILE_LIMITS['ssh-key'] : FILE_LIMITS.secret, (stat) => {
      if ((stat.mode & 0o077) !== 0) {
        const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
        throw new ConfigError(
          configPath,
          [`${source.key}: ${fileLabel} is readable by group or others (mode ${mode})`],
          `Run: chmod 600 ${path} (and chown it to the agent's user). Consider the ${source.what} exposed and rotate it if others had access.`,
        );
      }
    });
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    throw new ConfigError(configPath, [`${source.key}: ${fileLabel} ${err.problem}`], fileHint(err, source));
  }
  const problem = formatProblem(bytes, format);
  if (problem !== null) {
    throw new ConfigError(configPath, [`${source.key}: ${fileLabel} ${problem}`], `Write the ${source.what} alone into the file, on one line (a trailing newline is fine), e.g. with: printf '%s\\n' '...' > ${path}`);
  }
  const value = bytes.toString('utf8').trim();
  if (value === '') throw new ConfigError(configPath, [`${source.key}: ${fileLabel} is empty`]);
  return value;
}

function fileHint(err: FileReadError, source: SecretSource): string {
  switch (err.reason) {
    case 'missing':
    case 'unreadable':
      return `Create the file with the ${source.what} as its only content, owned by the agent's user, mode 600.`;
    case 'not-regular':
      return `Point ${source.key} at a regular file holding only the ${source.what} (mode 600); pipes, devices and directories are not read.`;
    case 'too-large':
      return `${source.key} must name the file holding only the ${source.what}; check the path.`;
  }
}

/** What is wrong with the secret's bytes, in words that never repeat them; null when fine. */
function formatProblem(bytes: Buffer, format: SecretFormat): string | null {
  if (format === 'pem') return bytes.includes(0) ? 'contains NUL bytes: it is not a PEM/OpenSSH private key file' : null;
  const body = stripFinalNewline(bytes);
  const lines = body.toString('latin1').split(/\r?\n/).length;
  if (lines > 1) return `has ${lines} lines; it must hold the secret alone, on one line`;
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    const printable = b >= 0x20 && b !== 0x7f && (b < 0x80 || format === 'password');
    if (!printable) {
      return format === 'line'
        ? `contains a character that is not printable ASCII (byte ${i + 1}); it would be sent mangled`
        : `contains a control character (byte ${i + 1})`;
    }
  }
  if (format === 'password' && !isUtf8(body)) return 'is not valid UTF-8 text';
  return null;
}

function stripFinalNewline(bytes: Buffer): Buffer {
  if (bytes.at(-1) !== 0x0a) return bytes;
  return bytes.subarray(0, bytes.at(-2) === 0x0d ? -2 : -1);
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function credentialPath(name: string, env: NodeJS.ProcessEnv): string | null {
  const dir = env.CREDENTIALS_DIRECTORY;
  if (!dir) return null;
  return join(dir, name);
}

import { FILE_LIMITS, FileReadError, readBoundedFile } from './bounded-file.js';
import type { AgentConfig } from './schema.js';
import { readSecret } from './secrets.js';
import { ConfigError } from '../errors.js';

export interface PortalFiles {
  readonly token: string;
  /** PEM CA certificate(s) for a private portal; undefined: the system's CAs. */
  readonly ca: Buffer | undefined;
}

/**
 * What the portal section points at: the token (file or systemd credential) and the CA file. Read by
 * the cycle once per run, and by `config check` so that a token or CA file the cycle would refuse (missing,
 * a FIFO, too large, not one line) is reported before the daemon starts.
 */
export function readPortalFiles(portal: NonNullable<AgentConfig['portal']>, configPath: string): PortalFiles {
  const token = readSecret({ what: 'portal token', key: 'portal.tokenFile', file: portal.tokenFile, credential: portal.tokenCredential }, configPath);
  if (!portal.caFile) return { token, ca: undefined };
  try {
    return { token, ca: readBoundedFile(portal.caFile, FILE_LIMITS.ca) };
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    throw new ConfigError(configPath, [`portal.caFile: ${err.message}`], "Point portal.caFile at a PEM file holding the CA certificate(s) that signed the portal's certificate.");
  }
}

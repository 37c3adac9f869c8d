import type { PbxSettings } from '../config/schema.js';

export type ApplyCommand = 'activate' | 'update';

/** The command that applies renewals, and whether it runs under `sudo -n`. */
export interface ApplyInvocation {
  readonly argv: readonly string[];
  readonly sudo: boolean;
  /** For messages: what is being run and how it is privileged. */
  readonly description: string;
}

/**
 * How the one privileged step runs on this host: through the privileged
 * oneshot unit (`pbx.applyUnit`, the hardened service), with `sudo -n`
 * (`pbx.sudo`, fleet hosts and SNG7), or directly (the agent runs as root).
 */
export function applyInvocation(pbx: PbxSettings, command: ApplyCommand, deploymentId: string): ApplyInvocation {
  if (pbx.applyUnit !== undefined) {
    const unit = `${pbx.applyUnit}@${command}-${deploymentId}.service`;
    return { argv: ['systemctl', 'start', '--no-ask-password', unit], sudo: false, description: `systemctl start ${unit}` };
  }
  const argv = [pbx.fwconsole, 'sa', command, ...(command === 'activate' ? [deploymentId] : [])];
  return { argv, sudo: pbx.sudo, description: `${pbx.sudo ? 'sudo -n ' : ''}${argv.join(' ')}` };
}

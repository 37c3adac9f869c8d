import { safeLine } from '../../core/safe-text.js';
import type { PbxFailure } from '../../errors.js';

export interface KnownFailure {
  readonly reason: PbxFailure;
  /** The line that identified it, quoted in messages. */
  readonly line: string;
  readonly hint: string;
}

const PATTERNS: ReadonlyArray<{ re: RegExp; reason: PbxFailure; hint: string }> = [
  {
    re: /Cant Reach Online Server|Can't Reach Online Server|Unable to connect to servers from URLs provided|Could not resolve host|Connection timed out after/i,
    reason: 'network',
    hint: "The PBX cannot reach Sangoma's servers. Check its DNS, default route and outbound HTTPS, then retry.",
  },
  {
    re: /System not activated|No PBXID file found|Machine not activated|not been activated/i,
    reason: 'not-activated',
    hint: 'This PBX is not activated. Activate it once in System Admin -> Activation (or `fwconsole sa activate <deployment-id>` as root).',
  },
  {
    re: /must be run as root|needs to be run as root|requires root|only root can/i,
    reason: 'needs-root',
    hint: 'The activation step needs root: install the sudoers drop-in from systemd/ (see README, "Privileges") or run as root.',
  },
  {
    re: /requires? an? (?:interactive )?(?:terminal|tty)|not a tty|Inappropriate ioctl for device/i,
    reason: 'needs-tty',
    hint: 'fwconsole needs a pseudo-terminal here: set pbx.tty to true (the default) and make sure `script` (util-linux) is installed.',
  },
  {
    re: /already running in another process|could not get lock|HTTP 503|Service Unavailable|try again shortly/i,
    reason: 'busy',
    hint: 'The PBX is busy (another fwconsole command, or Apache restarting); the agent retries, and so will the next check.',
  },
];

/** Recognises the failure messages fwconsole prints (network, not activated, root, TTY, lock). */
export function recogniseFailure(lines: readonly string[]): KnownFailure | null {
  for (const line of lines) {
    for (const p of PATTERNS) {
      if (p.re.test(line)) return { reason: p.reason, line: safeLine(line, 300), hint: p.hint };
    }
  }
  return null;
}

import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { AgentError } from '../src/errors.js';
import type { Rendered } from '../src/ui/views.js';
import { print } from './output.js';

/**
 * Writes a command's output to a file (or to stdout for none or "-"). The file is replaced at once
 * (written beside it, then renamed): a web server or a calendar fetching it never sees half a file.
 * Output in pieces (a fleet's calendar feed, 54 MB) is written piece by piece, never joined into one string.
 */
export function writeOutput(file: string | undefined, output: Rendered): void {
  if (file === undefined || file === '-') {
    print(typeof output === 'string' ? output : output.join(''));
    return;
  }
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      // Each piece as it is: they are large enough (tens of kB up) for a write each.
      for (const piece of typeof output === 'string' ? [output] : output) writeAll(fd, Buffer.from(piece, 'utf8'));
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new AgentError(`cannot write ${file} (${code})`, `Check that ${dirname(file)} exists and is writable, and that ${file} is not a directory.`, { cause: err });
  }
}

/** A write may take fewer bytes than given (a full disk answers with an error only at the next one). */
function writeAll(fd: number, bytes: Buffer): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
}

import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { AgentError } from '../src/errors.js';
import type { Rendered } from '../src/ui/views.js';
import { print } from './output.js';

/**
 * Writes a command's output to a file (or to stdout for none or "-"). The file is replaced at once
 * (written beside it, then renamed): a web server or a calendar fetching it never sees half a file.
 * Output in pieces (a fleet's calendar feed, 54 MB) is written piece by piece as each is made, never joined into one string.
 */
export function writeOutput(file: string | undefined, output: Rendered): void {
  if (file === undefined || file === '-') {
    print(typeof output === 'string' ? output : [...output].join(''));
    return;
  }
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      // Each piece as it is: they are large enough (tens of kB up) for a write each.
      for (const piece of typeof output === 'string' ? [output] : output) writeAll(fd, piece);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    // Pieces are made while the file is written: a failure to make one is not the file's.
    if (code === undefined) throw err;
    const hint =
      code === 'ENOSPC' || code === 'EDQUOT'
        ? `The file system of ${dirname(file)} is full: free some space (df -h ${dirname(file)}) and run it again; ${file} is as it was.`
        : `Check that ${dirname(file)} exists and is writable, and that ${file} is not a directory.`;
    throw new AgentError(`cannot write ${file} (${code})`, hint, { cause: err });
  }
}

/**
 * A string is written as it is (Node encodes it on the way, without a Buffer of our own: a third less time
 * for a fleet's 27 MB page). A write may take fewer bytes than given (a full disk answers with an error
 * only at the next one): the rest then goes as bytes.
 */
function writeAll(fd: number, text: string): void {
  const written = writeSync(fd, text);
  if (written === Buffer.byteLength(text)) return;
  const bytes = Buffer.from(text, 'utf8');
  for (let done = written; done < bytes.length; ) done += writeSync(fd, bytes, done);
}

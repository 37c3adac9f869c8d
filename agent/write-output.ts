import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AgentError } from '../src/errors.js';
import { print } from './output.js';

/**
 * Writes a command's output to a file (or to stdout for none or "-"). The file is replaced at once
 * (written beside it, then renamed): a web server or a calendar fetching it never sees half a file.
 */
export function writeOutput(file: string | undefined, text: string): void {
  if (file === undefined || file === '-') {
    print(text);
    return;
  }
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new AgentError(`cannot write ${file} (${code})`, `Check that ${dirname(file)} exists and is writable, and that ${file} is not a directory.`, { cause: err });
  }
}

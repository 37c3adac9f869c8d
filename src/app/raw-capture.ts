import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Keeps output the readers did not recognise next to the store, mode 0600,
 * so an operator can attach it to a bug report. Returns null when it cannot.
 */
export function rawCaptureDir(storePath: string): string {
  return join(dirname(storePath), 'unrecognised');
}

export function makeRawSaver(storePath: string, now: () => Date): (name: string, text: string) => string | null {
  return (name, text) => {
    const dir = rawCaptureDir(storePath);
    const file = join(dir, `${now().toISOString().replace(/[:.]/g, '-')}-${name.replace(/[^a-z0-9-]/gi, '_')}.txt`);
    try {
      mkdirSync(dir, { recursive: true, mode: 0o750 });
      writeFileSync(file, text, { mode: 0o600 });
      return file;
    } catch {
      return null;
    }
  };
}

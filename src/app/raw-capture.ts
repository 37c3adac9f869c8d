import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Keeps output the readers did not recognise next to the store, mode 0600,
 * so an operator can attach it to a bug report. Returns null when it cannot.
 */
export function rawCaptureDir(storePath: string): string {
  return join(dirname(storePath), 'unrecognised');
}

export function makeRawSaver(storePath: string, now: () => Date): (name: string, text: string, options?: { readonly once?: boolean }) => string | null {
  return (name, text, options) => {
    const dir = rawCaptureDir(storePath);
    const safe = name.replace(/[^a-z0-9-]/gi, '_');
    // `once`: the same evidence every check (an unknown status word) is kept once, not every 15 minutes.
    const file = join(dir, options?.once ? `${safe}.txt` : `${now().toISOString().replace(/[:.]/g, '-')}-${safe}.txt`);
    try {
      if (options?.once && existsSync(file)) return file;
      mkdirSync(dir, { recursive: true, mode: 0o750 });
      writeFileSync(file, text, { mode: 0o600 });
      return file;
    } catch {
      return null;
    }
  };
}

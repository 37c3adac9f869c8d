import { readFileSync } from 'node:fs';

let cached: string | null = null;

/** The agent's version, from package.json (found from dist/src or, in tests, src). */
export function agentVersion(): string {
  if (cached !== null) return cached;
  for (const candidate of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'pbx-activation-agent' && typeof pkg.version === 'string') return (cached = pkg.version);
    } catch {
      // try the next place
    }
  }
  return (cached = '0.0.0');
}

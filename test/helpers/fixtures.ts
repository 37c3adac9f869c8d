import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const REAL = fileURLToPath(new URL('../fixtures/real/', import.meta.url));

/** Outputs captured from real FreePBX systems (see test/fixtures/real/README.md). */
export function realFixture(name: string): string {
  return readFileSync(`${REAL}${name}`, 'utf8');
}

export function realFixtureNames(): string[] {
  return readdirSync(REAL).filter((n) => n.endsWith('.txt')).sort();
}

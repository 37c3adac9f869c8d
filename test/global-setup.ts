import { execFileSync } from 'node:child_process';

/** CLI tests run the compiled agent (what users run): compile once before they start. */
export default function setup(): void {
  execFileSync('node_modules/.bin/tsc', ['-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}

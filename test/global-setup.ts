import { execFileSync } from 'node:child_process';

/** CLI tests run the compiled and bundled agent (what users run): build it once before they start. */
export default function setup(): void {
  execFileSync('node_modules/.bin/tsc', ['-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['scripts/bundle.mjs'], { stdio: 'inherit' });
}

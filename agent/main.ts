import { readFileSync } from 'node:fs';
import { main } from './cli.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

// process.exitCode, not process.exit(): pending log writes and sockets finish first.
process.exitCode = await main(process.argv, pkg.version);

import { agentVersion } from '../src/version.js';
import { main } from './cli.js';

// process.exitCode, not process.exit(): pending log writes and sockets finish first.
process.exitCode = await main(process.argv, agentVersion());

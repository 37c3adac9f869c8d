import { agentVersion } from '../src/version.js';
import { main } from './cli.js';

// Started by the daemon with an IPC channel: when the daemon goes away, even by kill -9, stop as on SIGTERM.
if (process.channel) {
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}

// process.exitCode, not process.exit(): pending log writes and sockets finish first. A promise, not a
// top-level await: the bundle (scripts/bundle.mjs) is a CommonJS file.
void main(process.argv, agentVersion()).then((code) => {
  process.exitCode = code;
});

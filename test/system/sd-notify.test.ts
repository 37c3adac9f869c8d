import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startAgent } from '../helpers/agent-process.js';
import { requireTool } from '../helpers/require-tool.js';
import { makeSandbox } from '../helpers/sandbox.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();

/** A real unix datagram socket standing in for systemd: prints each message; answers BARRIER=1 by closing the fd it carries. */
const RECEIVER = `
import socket, sys, os
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("listening", flush=True)
while True:
    msg, fds, flags, addr = socket.recv_fds(s, 4096, 8)
    for fd in fds:
        os.close(fd)
    print(msg.decode().replace("\\n", "|"), flush=True)
`;

describe('sd_notify (systemd-notify to a real unix datagram socket)', () => {
  it('sends READY=1 at start, WATCHDOG=1 when asked, STOPPING=1 on SIGTERM', async () => {
    requireTool('systemd-notify', 'systemd');
    const python = requireTool('python3', 'python3');
    const dir = tmp();
    const socketPath = join(dir, 'notify.sock');
    const receiver = spawn(python, ['-c', RECEIVER, socketPath]);
    let received = '';
    receiver.stdout.on('data', (d: Buffer) => (received += d.toString()));
    await new Promise((resolve) => receiver.stdout.once('data', resolve));
    const sb = makeSandbox(join(dir, 'sb'));
    const config = JSON.parse(readFileSync(sb.config, 'utf8')) as Record<string, unknown>;
    writeFileSync(sb.config, JSON.stringify({ ...config, schedule: { check: '0 3 * * *' } }));

    const agent = startAgent(['run', '--config', sb.config], { NOTIFY_SOCKET: socketPath, WATCHDOG_USEC: '2000000' });
    await agent.waitFor((l) => l.msg === 'check finished');
    await new Promise((r) => setTimeout(r, 2500));
    agent.child.kill('SIGTERM');
    const code = await agent.exited();
    await new Promise((r) => setTimeout(r, 300));
    receiver.kill();

    expect(code, agent.stderr()).toBe(0);
    const messages = received.split('\n');
    expect(messages.some((m) => m.startsWith('READY=1|STATUS=next check'))).toBe(true);
    expect(messages.filter((m) => m === 'WATCHDOG=1').length).toBeGreaterThanOrEqual(1);
    expect(messages).toContain('STOPPING=1|STATUS=stopping');
    expect(messages.findIndex((m) => m.startsWith('READY=1'))).toBeLessThan(messages.indexOf('STOPPING=1|STATUS=stopping'));
  });
});

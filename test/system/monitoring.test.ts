import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { requireTool } from '../helpers/require-tool.js';
import { makeSandbox } from '../helpers/sandbox.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const RULES = fileURLToPath(new URL('../../monitoring/prometheus/', import.meta.url));
const agents: AgentProcess[] = [];
afterEach(() => {
  for (const a of agents.splice(0)) a.child.kill('SIGKILL');
});

describe('Prometheus (promtool, Debian package prometheus)', () => {
  it('the alert rules are valid and pass their unit tests', () => {
    const promtool = requireTool('promtool', 'prometheus');

    const check = spawnSync(promtool, ['check', 'rules', 'pbx-activation-agent.rules.yml'], { cwd: RULES, encoding: 'utf8' });
    const test = spawnSync(promtool, ['test', 'rules', 'pbx-activation-agent.rules.test.yml'], { cwd: RULES, encoding: 'utf8' });

    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain('SUCCESS: 5 rules found');
    expect(test.status, test.stdout + test.stderr).toBe(0);
  });

  it('accepts the live /metrics page of a sandbox daemon checking every 2 seconds', async () => {
    const promtool = requireTool('promtool', 'prometheus');
    const sb = makeSandbox(join(tmp(), 'sb'));
    const port = await freePort();
    const config = JSON.parse(readFileSync(sb.config, 'utf8')) as Record<string, unknown>;
    writeFileSync(sb.config, JSON.stringify({ ...config, schedule: { check: '*/2 * * * * *' }, metrics: { listen: `127.0.0.1:${port}` } }));
    const agent = startAgent(['run', '--config', sb.config]);
    agents.push(agent);
    await agent.waitFor((l) => l.msg === 'check finished');

    const page = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const lint = spawnSync(promtool, ['check', 'metrics'], { input: page, encoding: 'utf8' });
    agent.child.kill('SIGTERM');

    expect(lint.status, lint.stdout + lint.stderr).toBe(0);
    expect(lint.stdout + lint.stderr).toBe('');
    expect(page).toMatch(/^pbx_agent_last_successful_check_timestamp_seconds \d+$/m);
    expect(page).toMatch(/^pbx_agent_next_check_timestamp_seconds \d+$/m);
    expect(page).toMatch(/^pbx_agent_fwconsole_duration_seconds_count\{command="sa info"\} \d+$/m);
    expect(await agent.exited()).toBe(0);
  });
});

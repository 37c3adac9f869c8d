import ICAL from 'ical.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentConfig } from '../../src/config/schema.js';
import { silentLogger, type Logger } from '../../src/log/logger.js';
import { AgentMetrics } from '../../src/metrics/metrics.js';
import { MetricsServer } from '../../src/metrics/server.js';
import { viewPages } from '../../src/service/view-pages.js';
import { Store } from '../../src/store/store.js';
import { freePort, startAgent, type AgentProcess } from '../helpers/agent-process.js';
import { recordCheck } from '../helpers/report-store.js';
import { runCli } from '../helpers/cli.js';
import { useTmpDirs } from '../helpers/tmp.js';

const tmp = useTmpDirs();
const stops: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function server(store: Store): Promise<string> {
  const clock = { now: () => new Date('2026-11-26T09:00:00.000Z') };
  const config = AgentConfig.parse({ alerts: { thresholds: [30, 7] } });
  const metrics = new AgentMetrics({ store, clock, version: '1', startedAt: clock.now(), staleAfterMs: () => 86_400_000 });
  const port = await freePort();
  const s = new MetricsServer({ host: '127.0.0.1', port, loopback: true }, metrics, silentLogger, viewPages(store, clock, () => config));
  await s.start();
  stops.push(() => s.stop());
  return `http://127.0.0.1:${port}`;
}

describe('the metrics listener serves the views', () => {
  it('/calendar.ics: the feed as text/calendar; / the timeline page with a policy that forbids everything but its style', async () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    stops.push(() => store.close());
    recordCheck(store, { id: '631001', host: 'rome', at: '2026-11-25T02:00:00.000Z', items: [['module-license', 'zulu', '2026-12-20'], ['module-license', 'cos', 'never']] });
    const base = await server(store);

    const ics = await fetch(`${base}/calendar.ics`);
    const page = await fetch(`${base}/`);
    const head = await fetch(`${base}/calendar.ics`, { method: 'HEAD' });
    const missing = await fetch(`${base}/nothing`);

    expect(ics.status).toBe(200);
    expect(ics.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    const events = new ICAL.Component(ICAL.parse(await ics.text())).getAllSubcomponents('vevent');
    expect(events.map((e) => e.getFirstPropertyValue('uid'))).toEqual(['631001-license-zulu@pbx-activation-agent']);
    expect(events[0]!.getAllSubcomponents('valarm').map((a) => String(a.getFirstPropertyValue('trigger')))).toEqual(['-P7D']);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'");
    expect(await page.text()).toMatch(/data-item="license:zulu" data-band="within-30" data-days-left="24"/);
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('not found: try /, /calendar.ics, /metrics or /healthz\n');
  });

  it('sends a page piece by piece as the client takes it; a client that goes away stops the making, and the next request is served', async () => {
    const store = Store.open(join(tmp(), 'agent.db'));
    stops.push(() => store.close());
    const clock = { now: () => new Date('2026-11-26T09:00:00.000Z') };
    const metrics = new AgentMetrics({ store, clock, version: '1', startedAt: clock.now(), staleAfterMs: () => 86_400_000 });
    let made = 0;
    // 200 pieces of 1 MB: far more than the socket's buffers hold.
    function* big(): Generator<string> {
      for (; made < 200; made++) yield 'x'.repeat(1 << 20);
    }
    const errors: unknown[] = [];
    const log = { ...silentLogger, error: (...args: unknown[]) => void errors.push(args) } as Logger;
    const port = await freePort();
    const s = new MetricsServer({ host: '127.0.0.1', port, loopback: true }, metrics, log, { calendar: async () => big(), timeline: async () => ['<p>small</p>'] });
    await s.start();
    stops.push(() => s.stop());

    await new Promise<void>((resolve, reject) => {
      const req = get(`http://127.0.0.1:${port}/calendar.ics`, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
    });
    const page = await fetch(`http://127.0.0.1:${port}/`);

    expect(await page.text()).toBe('<p>small</p>');
    // The making stopped soon after the client left, with room for what the socket's buffers took.
    await new Promise((r) => setTimeout(r, 200));
    expect(made).toBeLessThan(50);
    expect(errors).toEqual([]);
  });

  it('run: the daemon serves / and /calendar.ics from its store', async () => {
    const dir = join(tmp(), 'sb');
    expect((await runCli(['sandbox', 'init', dir])).code).toBe(0);
    const sb = { config: join(dir, 'agent.json') };
    const port = await freePort();
    const config = JSON.parse(readFileSync(sb.config, 'utf8')) as Record<string, unknown>;
    writeFileSync(sb.config, JSON.stringify({ ...config, schedule: { check: '0 3 * * *' }, metrics: { listen: `127.0.0.1:${port}` } }));
    const agent: AgentProcess = startAgent(['run', '--config', sb.config]);
    stops.push(() => void agent.child.kill('SIGKILL'));
    await agent.waitFor((l) => l.msg === 'metrics listening');

    const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    const ics = await (await fetch(`http://127.0.0.1:${port}/calendar.ics`)).text();

    expect(page).toMatch(/data-deployment="63198234567"/);
    expect(new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents('vevent')).toHaveLength(10);
  });
});

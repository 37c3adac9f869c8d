import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rememberConfig } from '../../agent/remembered-config.js';
import { PBX_KINDS } from '../../src/app/cycle.js';
import { loadConfig } from '../../src/config/load.js';
import { addDays, dateExpiry } from '../../src/core/expiry.js';
import { makeItem, type ItemKind, type LicensedItem } from '../../src/core/items.js';
import type { ModuleRow } from '../../src/pbx/readers/module-list.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { Store } from '../../src/store/store.js';

/** Bump when what generate() writes changes: the cached file is then made afresh. */
const GENERATOR_VERSION = 1;

export const SHAPE = { deployments: 1000, items: 50, years: 10, dailyRunDays: 400 } as const;

/** 24 licensed modules: 24 licences, 23 maintenance items, plus activation, support contract and the global licence = 50. */
const MODULE_KEYS = [
  'sysadmin', 'endpoint', 'cdrpro', 'zulu', 'areminder', 'broadcast', 'callaccounting', 'cos',
  'conferencespro', 'pagingpro', 'parkpro', 'queuestats', 'vqplus', 'webcallback', 'faxpro', 'restapps',
  'callerid', 'voicemailnotify', 'sipstation', 'pms', 'extensionroutes', 'xmpp', 'contactmanagerpro', 'qxact',
];
const FREE_MODULES = ['core', 'framework', 'voicemail', 'sipsettings', 'userman', 'dashboard'];
/** Each deployment's items renew on five days a year (bought at different times), a fifth of the modules each. */
const GROUPS = 5;
const RUN_DETAILS_UP_TO_DATE = {
  planned: [],
  applied: [],
  verified: [],
  unverified: [],
  pending: [],
  notes: [],
  warnings: [],
  clock: { synchronized: true, skewMs: 120, trusted: true, reason: null },
  durations: { fwconsoleMs: 2210.4, portalMs: 41.2, totalMs: 2262.9 },
};

/**
 * The store of a fleet agent after 10 years with 1,000 PBXs of 50 licensed
 * items each, cached in the OS temp dir (it takes a minute or two to make).
 */
export function bigStore(progress: (text: string) => void): string {
  const file = join(tmpdir(), `pbx-agent-bench-store-g${GENERATOR_VERSION}-m${MIGRATIONS.length}.db`);
  if (existsSync(file)) return file;
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  const started = performance.now();
  const store = Store.open(tmp);
  try {
    generate(store, new Date(), progress);
  } finally {
    store.close();
  }
  renameSync(tmp, file);
  progress(`generated ${file} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return file;
}

/**
 * The 10-year store and an agent configuration in `dir` pointing at it. The store holds this config's
 * validation, as after any check, so read commands need no validator (as on a real agent).
 */
export function bigStoreConfig(dir: string): { config: string; counts: { changes: number; runs: number; deployment: string; module: string } } {
  const file = bigStore((text) => process.stderr.write(`  ${text}\n`));
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'agent.json');
  writeFileSync(config, JSON.stringify({ store: { path: file } }));
  const store = Store.open(file);
  try {
    rememberConfig(store, loadConfig(config));
    const deployment = store.expiries.deployments()[SHAPE.deployments >> 1]!.id;
    return { config, counts: { ...(JSON.parse(store.getMeta('bench_counts') ?? '{}') as { changes: number; runs: number }), deployment, module: 'zulu' } };
  } finally {
    store.close();
  }
}

interface Deployment {
  readonly id: string;
  readonly host: string;
  /** Day of the year (0-364) each group renews on. */
  readonly anniversaries: number[];
  /** Item id -> current expiry. */
  readonly expiry: Map<string, string>;
}

/**
 * Day by day over ten years, every deployment as the fleet agent would have
 * recorded it: through the Store's repositories, each renewal as an applied
 * run recording what the PBX and the portal showed. Runs are kept as the
 * retention (`retention.runs`, 400 days) leaves them: one per deployment per
 * day for the last 400 days, and before that only the runs an expiry change
 * refers to (older daily runs would have been deleted).
 */
function generate(store: Store, now: Date, progress: (text: string) => void): void {
  const today = now.toISOString().slice(0, 10);
  const first = addDays(today, -365 * SHAPE.years);
  const days = 365 * SHAPE.years;
  const deployments: Deployment[] = Array.from({ length: SHAPE.deployments }, (_, d) => ({
    id: String(63_100_000_000 + d * 7919),
    host: `pbx-${String(d + 1).padStart(4, '0')}`,
    anniversaries: Array.from({ length: GROUPS }, (_, g) => (d * 37 + g * 73) % 365),
    expiry: new Map(),
  }));
  let changes = 0;
  let runs = 0;
  for (let day = 0; day <= days; day++) {
    const date = addDays(first, day);
    const dayOfYear = day % 365;
    const daily = day > days - SHAPE.dailyRunDays;
    store.transaction(() => {
      deployments.forEach((d, index) => {
        const at = `${date}T${String(2 + (index % 3)).padStart(2, '0')}:${String(index % 60).padStart(2, '0')}:00.000Z`;
        const renewing = day === 0 ? allGroups() : d.anniversaries.flatMap((a, g) => (a === dayOfYear ? [g] : []));
        if (renewing.length === 0 && !daily) return;
        const runId = store.runs.start({ trigger: 'fleet', command: 'fleet check', host: d.host, deploymentId: d.id, dryRun: false, pid: 4242, at });
        runs++;
        if (renewing.length > 0) {
          for (const g of renewing) for (const item of groupItems(g)) d.expiry.set(item.id, addDays(date, 365 + (g === 0 && item.id === 'activation' ? 3 * 365 : 0)));
          changes += record(store, d, 'pbx', runId, at);
          changes += record(store, d, 'portal', runId, at);
        }
        const details = renewing.length > 0 && day > 0 ? appliedDetails(d, renewing) : RUN_DETAILS_UP_TO_DATE;
        store.runs.finish(runId, { outcome: renewing.length > 0 && day > 0 ? 'applied' : 'up-to-date', at: at.replace(/:00\.000Z$/, ':41.000Z'), deploymentId: d.id, details });
      });
    });
    if (day % 365 === 0) progress(`store: year ${day / 365} of ${SHAPE.years}: ${changes} expiry changes, ${runs} runs`);
  }
  store.setMeta('bench_counts', JSON.stringify({ changes, runs }));
  store.optimize();
}

const allGroups = () => Array.from({ length: GROUPS }, (_, g) => g);

interface ItemSpec {
  readonly id: string;
  readonly kind: ItemKind;
  readonly key: string | null;
}

const ITEMS: readonly ItemSpec[] = [
  { id: 'activation', kind: 'activation', key: null },
  { id: 'support-contract', kind: 'support-contract', key: null },
  { id: 'license:global', kind: 'module-license', key: 'global' },
  ...MODULE_KEYS.map((key): ItemSpec => ({ id: `license:${key}`, kind: 'module-license', key })),
  ...MODULE_KEYS.slice(0, -1).map((key): ItemSpec => ({ id: `maintenance:${key}`, kind: 'module-maintenance', key })),
];

/** Group 0: activation, support contract, global licence; the modules are spread over all five. */
function groupItems(group: number): ItemSpec[] {
  return ITEMS.filter((item) => (item.key === null || item.key === 'global' ? 0 : MODULE_KEYS.indexOf(item.key) % GROUPS) === group);
}

const MODULES: readonly ModuleRow[] = [
  ...MODULE_KEYS.map((name) => ({ name, version: '17.0.3', statusText: 'Enabled', state: 'enabled' as const, license: 'Commercial', commercial: true, signature: 'Sangoma' })),
  ...FREE_MODULES.map((name) => ({ name, version: '17.0.19', statusText: 'Enabled', state: 'enabled' as const, license: 'GPLv3+', commercial: false, signature: 'Sangoma' })),
];

function record(store: Store, d: Deployment, source: 'pbx' | 'portal', runId: number, at: string): number {
  const kinds: readonly ItemKind[] = source === 'pbx' ? PBX_KINDS : ['module-maintenance'];
  const items: LicensedItem[] = ITEMS.filter((i) => kinds.includes(i.kind)).map((i) => makeItem(i.kind, i.key, dateExpiry(d.expiry.get(i.id)!)));
  return store.expiries.record({
    deploymentId: d.id,
    host: d.host,
    productName: source === 'pbx' ? 'PBXact UC 50' : null,
    source,
    items,
    kinds,
    modules: source === 'pbx' ? MODULES : undefined,
    runId,
    at,
  }).length;
}

function appliedDetails(d: Deployment, groups: readonly number[]): object {
  const renewed = groups.flatMap(groupItems).map((i) => ({ item: i.id, label: i.id, pbx: null, portal: d.expiry.get(i.id) }));
  return { ...RUN_DETAILS_UP_TO_DATE, planned: renewed, applied: renewed, verified: renewed };
}

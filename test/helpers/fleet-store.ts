import { addDays } from '../../src/core/expiry.js';
import { Store } from '../../src/store/store.js';
import { recordCheck, type ItemSpec } from './report-store.js';

const MODULES = ['sysadmin', 'endpoint', 'cdrpro', 'zulu', 'areminder', 'broadcast', 'callaccounting', 'cos', 'conferencespro', 'pagingpro'];
/** Labels as portals and PBXs show them, some with commas, quotes and non-ASCII letters. */
const LABELS: Record<string, string> = {
  callaccounting: 'Contabilità chiamate, "Pro"',
  zulu: 'Sangoma Connect; UC',
  conferencespro: 'Conférences Pro',
};

/**
 * A fleet agent's store with `hosts` PBXs of 22 items each: dates spread from two months ago to two
 * years ahead, and each host checked twice, 400 days ago (earlier dates) and 3 days ago, so most
 * items carry a renewal recorded in the last year.
 */
export function makeFleetStore(path: string, hosts: number, today: string): Store {
  const store = Store.open(path);
  store.transaction(() => {
    for (let h = 0; h < hosts; h++) {
      const id = String(63_200_000_000 + h * 7919);
      const date = (k: number) => addDays(today, ((h * 37 + k * 53) % 760) - 60);
      const items = (shift: number): ItemSpec[] => [
        ['activation', null, addDays(today, 1000 + (h % 400))],
        ['support-contract', null, addDays(date(11), shift)],
        ...MODULES.flatMap((key, k): ItemSpec[] => [
          ['module-license', key, k === 1 && h % 3 === 0 ? 'never' : addDays(date(k), shift), LABELS[key] ? `${LABELS[key]} licence` : undefined],
          ['module-maintenance', key, addDays(date(k), shift)],
        ]),
      ];
      const host = `pbx-${String(h + 1).padStart(3, '0')}`;
      const product = h % 2 === 0 ? 'PBXact UC 50' : 'FreePBX 17, Commercial';
      recordCheck(store, { id, host, product, at: `${addDays(today, -400)}T02:00:00.000Z`, items: items(-365) });
      recordCheck(store, { id, host, product, at: `${addDays(today, -3)}T02:00:00.000Z`, items: items(0) });
    }
  });
  return store;
}

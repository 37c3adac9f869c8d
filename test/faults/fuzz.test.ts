import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCalendarDate } from '../../src/core/expiry.js';
import { MODULE_KEY } from '../../src/core/items.js';
import { recogniseFailure } from '../../src/pbx/readers/failures.js';
import { cleanOutput } from '../../src/pbx/readers/clean.js';
import { parseZendLicenceFile } from '../../src/pbx/readers/licence-file.js';
import { decodeSupportContract, parseLicenceInfo } from '../../src/pbx/readers/licence-info.js';
import { parseModuleList } from '../../src/pbx/readers/module-list.js';
import { errorFromStatus, retryAfterMs } from '../../src/portal/failures.js';
import { ChangeFeed, Entitlements } from '../../src/portal/schema.js';
import { simulate } from '../../src/sandbox/fwconsole-sim.js';
import { defaultScenario } from '../../src/sandbox/scenario.js';
import { realFixture, realFixtureNames } from '../helpers/fixtures.js';

/**
 * 100,000 generated and mutated inputs, seeded from real captures and the
 * simulator, through every fwconsole reader and the portal validation: each
 * must give typed data or a typed refusal, never an exception, and never take
 * long (a catastrophic regular expression would).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261126);
const SLOW_INPUT_MS = 1000;

const world = defaultScenario('2026-11-26', { rootUid: 0, token: 't', now: '2026-11-26T00:00:00Z' });
const sim = (args: string[], isTTY = true) => simulate(structuredClone(world), args, { isTTY, uid: 0, now: 0 }).stdout;
const updated = structuredClone(world);
updated.portal.deployments[updated.pbx.deploymentId]!.modules.zulu!.licenseExpires = '2028-01-01';

const TEXT_SEEDS = [
  ...realFixtureNames().map(realFixture),
  sim(['sa', 'info']),
  sim(['sa', 'info', '--no-ansi']),
  sim(['ma', 'list']),
  sim(['ma', 'list', '--format=json']),
  simulate(updated, ['sa', 'update'], { isTTY: false, uid: 0, now: 0 }).stdout,
  'Product-Name = PBXact\nExpires = 04-Sep-2030\nsysadmin_exp = 2027-06-14\nProduced-By = Zend\nVerification-Code = abc=\n',
];

const PORTAL_SEED = {
  apiVersion: 1,
  deployment: { id: '631', name: 'Main', revision: 3, updatedAt: '2026-11-26T09:00:00Z' },
  activation: { expires: '2030-09-26' },
  supportContract: { expires: 'never' },
  modules: [
    { key: 'broadcast', name: 'Broadcast', licenseExpires: '2027-12-01', maintenanceExpires: null },
    { key: 'cdrpro', name: 'CDR', licenseExpires: 'never', maintenanceExpires: '2027-01-01' },
  ],
};

const NOISE = ['\x1b[32m', '\x1b[0m', '\r', '\r\n', '\0', '|', ':', ' = ', '_exp: ', 'Never', '04-Sep-2030', '2026-02-30', '+---+', '{"status":', '"data":[[', '\u202e', '\uFFFD'];

/** A seed text with a handful of edits: insertions (including noise that means something to the readers), deletions, line swaps, truncation. */
const mutatedText = fc
  .tuple(
    fc.constantFrom(...TEXT_SEEDS),
    fc.array(
      fc.record({
        op: fc.constantFrom('insert', 'delete', 'replace', 'swap-lines', 'truncate', 'duplicate-line'),
        at: fc.nat(),
        text: fc.oneof(fc.constantFrom(...NOISE), fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 8 })),
      }),
      { maxLength: 8 },
    ),
  )
  .map(([seed, edits]) => edits.reduce(applyEdit, seed));

const anyText = fc.oneof({ weight: 3, arbitrary: mutatedText }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 400 }) }, { weight: 1, arbitrary: fc.lorem({ maxCount: 40 }) });

function applyEdit(text: string, edit: { op: string; at: number; text: string }): string {
  const at = text.length === 0 ? 0 : edit.at % text.length;
  const lines = text.split('\n');
  const line = lines.length === 0 ? 0 : edit.at % lines.length;
  switch (edit.op) {
    case 'insert':
      return text.slice(0, at) + edit.text + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + 1 + (edit.at % 20));
    case 'replace':
      return text.slice(0, at) + edit.text + text.slice(at + edit.text.length);
    case 'swap-lines': {
      const other = (line * 7 + 3) % Math.max(1, lines.length);
      [lines[line], lines[other]] = [lines[other]!, lines[line]!];
      return lines.join('\n');
    }
    case 'duplicate-line':
      lines.splice(line, 0, lines[line] ?? '');
      return lines.join('\n');
    default:
      return text.slice(0, at);
  }
}

function timed<T>(fn: () => T): T {
  const started = performance.now();
  const result = fn();
  const ms = performance.now() - started;
  if (ms > SLOW_INPUT_MS) throw new Error(`one input took ${Math.round(ms)} ms`);
  return result;
}

const run = (numRuns: number) => ({ numRuns, seed: SEED, endOnFailure: true });

describe(`fuzzing the readers and the portal validation (seed ${SEED})`, () => {
  it('sa info / sa update / GUI text: typed licence data or a typed refusal (30,000 inputs)', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const parsed = timed(() => parseLicenceInfo(text));
        if (!parsed.ok) {
          expect(parsed.problem).toEqual(expect.any(String));
          return;
        }
        for (const item of parsed.value.items) {
          expect(item.item).toMatch(/^(activation|support-contract|license:[a-z0-9_-]+)$/);
          if (item.moduleKey !== null) expect(item.moduleKey).toMatch(MODULE_KEY);
          expect(item.expiry.kind === 'never' || isCalendarDate(item.expiry.date)).toBe(true);
        }
      }),
      run(30_000),
    );
  });

  it('ma list, table and JSON: typed rows or a typed refusal (30,000 inputs)', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const parsed = timed(() => parseModuleList(text));
        if (!parsed.ok) {
          expect(parsed.problem).toEqual(expect.any(String));
          return;
        }
        for (const row of parsed.value) {
          expect(row.name).not.toBe('');
          expect(['enabled', 'disabled', 'not-installed', 'broken', 'unknown']).toContain(row.state);
          expect(typeof row.commercial).toBe('boolean');
        }
      }),
      run(30_000),
    );
  });

  it('licence files, pbx ids, failure lines and support contracts (10,000 inputs)', () => {
    fc.assert(
      fc.property(anyText, fc.string({ maxLength: 200 }), (text, base64ish) => {
        timed(() => {
          const licence = parseZendLicenceFile(text);
          if (licence !== null) {
            if (licence.ok) expect(Array.isArray(licence.value)).toBe(true);
            else expect(licence.problem).toEqual(expect.any(String));
          }
          const failure = recogniseFailure(cleanOutput(text).lines);
          if (failure !== null) expect(failure.hint).toEqual(expect.any(String));
          const contract = decodeSupportContract(base64ish);
          expect(typeof contract.ok).toBe('boolean');
        });
      }),
      run(10_000),
    );
  });

  it('portal entitlements: mutated JSON is validated or refused, never thrown on (20,000 inputs)', () => {
    const mutatedJson = fc.tuple(fc.jsonValue({ maxDepth: 4 }), fc.array(fc.tuple(fc.constantFrom('drop', 'retype', 'inject'), fc.nat(), fc.jsonValue({ maxDepth: 4 })), { maxLength: 5 })).map(([junk, edits]) => {
      const doc = structuredClone(PORTAL_SEED) as Record<string, unknown>;
      for (const [op, at, value] of edits) mutate(doc, op, at, structuredClone(value ?? junk));
      return doc;
    });
    fc.assert(
      fc.property(fc.oneof(mutatedJson, fc.jsonValue({ maxDepth: 4 })), (doc) => {
        const parsed = timed(() => Entitlements.safeParse(doc));
        if (parsed.success) {
          for (const m of parsed.data.modules) expect(m.key).toMatch(MODULE_KEY);
        } else {
          expect(parsed.error.issues.length).toBeGreaterThan(0);
        }
        expect(typeof ChangeFeed.safeParse(doc).success).toBe('boolean');
      }),
      run(20_000),
    );
  });

  it('portal error bodies and Retry-After headers (10,000 inputs)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), fc.oneof(fc.string(), fc.json()), fc.oneof(fc.string(), fc.date({ noInvalidDate: true }).map((d) => d.toUTCString())), (status, body, retryAfter) => {
        timed(() => {
          const err = errorFromStatus(status, body, 'https://portal.example/api/v1/x', retryAfterMs(retryAfter, Date.now()));
          expect(err.message).toEqual(expect.any(String));
          expect(err.message).not.toMatch(/[\x00-\x08]/);
        });
      }),
      run(10_000),
    );
  });
});

function mutate(doc: Record<string, unknown>, op: string, at: number, value: unknown): void {
  const paths: Array<[Record<string, unknown> | unknown[], string | number]> = [];
  const walk = (node: unknown) => {
    if (node && typeof node === 'object') {
      for (const key of Object.keys(node)) {
        paths.push([node as Record<string, unknown>, Array.isArray(node) ? Number(key) : key]);
        walk((node as Record<string, unknown>)[key]);
      }
    }
  };
  walk(doc);
  const target = paths[at % paths.length];
  if (!target) return;
  const [parent, key] = target;
  if (op === 'drop') delete (parent as Record<string, unknown>)[key as string];
  else if (op === 'retype') (parent as Record<string, unknown>)[key as string] = value;
  else (parent as Record<string, unknown>)[`${String(key)}x`] = value;
}

import type { Expiry } from './expiry.js';

/**
 * What can expire on a FreePBX deployment. Module maintenance is only known
 * from the portal; the other kinds are read from the PBX itself.
 */
export type ItemKind = 'activation' | 'support-contract' | 'module-license' | 'module-maintenance';

export interface LicensedItem {
  /** Stable id within a deployment: `activation`, `support-contract`, `license:<key>`, `maintenance:<key>`. */
  readonly item: string;
  readonly kind: ItemKind;
  /** Licence key (`areminder`, `cdrpro`, `global`) for module kinds. */
  readonly moduleKey: string | null;
  readonly label: string;
  readonly expiry: Expiry;
}

/** Licence keys are lowercase identifiers; anything else never reaches a command line. */
export const MODULE_KEY = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Deployment ids are short alphanumeric strings (real ones are digits; redacted samples use x). */
export const DEPLOYMENT_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;

/**
 * The module directory (`ma list` name) a licence key stands for: `pbx.moduleAliases` where the two differ
 * (a key is data: looked up in a Map), else the key itself; null for no key and the global licence.
 */
export function moduleOfLicence(moduleKey: string | null, aliases: ReadonlyMap<string, string>): string | null {
  if (moduleKey === null || moduleKey === 'global') return null;
  return aliases.get(moduleKey) ?? moduleKey;
}

export function itemId(kind: ItemKind, moduleKey: string | null): string {
  switch (kind) {
    case 'activation':
    case 'support-contract':
      return kind;
    case 'module-license':
      return `license:${moduleKey}`;
    case 'module-maintenance':
      return `maintenance:${moduleKey}`;
  }
}

export function makeItem(kind: ItemKind, moduleKey: string | null, expiry: Expiry, label?: string): LicensedItem {
  return { item: itemId(kind, moduleKey), kind, moduleKey, label: label ?? defaultLabel(kind, moduleKey), expiry };
}

function defaultLabel(kind: ItemKind, moduleKey: string | null): string {
  switch (kind) {
    case 'activation':
      return 'Activation';
    case 'support-contract':
      return 'Support contract';
    case 'module-license':
      return moduleKey === 'global' ? 'All modules (global licence)' : `${moduleKey} licence`;
    case 'module-maintenance':
      return moduleKey === 'global' ? 'All modules (global) maintenance' : `${moduleKey} maintenance`;
  }
}

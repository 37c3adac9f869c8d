import { z } from 'zod';
import { parseExpiry, type Expiry } from '../core/expiry.js';
import { DEPLOYMENT_ID, MODULE_KEY } from '../core/items.js';
import { safeLine, TEXT_LIMITS } from '../core/safe-text.js';

/**
 * The portal contract (docs/portal-api.md), validated on every response.
 * Tolerant of fields it does not know; strict about what it uses.
 */
const ExpiryText = z
  .string()
  .refine((s) => s === 'never' || (/^\d{4}-\d{2}-\d{2}$/.test(s) && parseExpiry(s) !== null), 'must be YYYY-MM-DD or "never"')
  .transform((s): Expiry => parseExpiry(s)!);

/** A name for people: whatever the portal sends, it reaches terminals and alerts only as a safe line. */
const DisplayName = z
  .string()
  .max(200)
  .transform((name) => safeLine(name, TEXT_LIMITS.product));

export const PortalModule = z.object({
  key: z.string().regex(MODULE_KEY, 'must be a licence key such as "cdrpro"'),
  name: DisplayName,
  licenseExpires: ExpiryText,
  maintenanceExpires: ExpiryText.nullable(),
});

export const Entitlements = z.object({
  apiVersion: z.literal(1),
  deployment: z.object({
    id: z.string().regex(DEPLOYMENT_ID),
    name: DisplayName,
    revision: z.number().int().min(1),
    updatedAt: z.string(),
  }),
  activation: z.object({ expires: ExpiryText }).nullable(),
  supportContract: z.object({ expires: ExpiryText }).nullable(),
  modules: z
    .array(PortalModule)
    .max(1000)
    .refine((mods) => new Set(mods.map((m) => m.key)).size === mods.length, 'module keys must be unique'),
});

export const ChangeFeed = z.object({
  apiVersion: z.literal(1),
  cursor: z.string().max(200),
  more: z.boolean(),
  changes: z
    .array(z.object({ deploymentId: z.string().regex(DEPLOYMENT_ID), revision: z.number().int(), changedAt: z.string() }))
    .max(1000),
});

export const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export type Entitlements = z.output<typeof Entitlements>;
export type PortalModule = z.output<typeof PortalModule>;
export type ChangeFeed = z.output<typeof ChangeFeed>;

import type { PbxSnapshot } from '../pbx/pbx-reader.js';
import type { ActivationSource } from './activation-source.js';
import type { ApplyLook, Look, RenewalRequest, RenewalSource, SourceContext, Verdict } from './source.js';

/**
 * `renewals.source: off`: expiry dates are recorded and alerted on, and the
 * agent never runs Update Activation by itself. `renew` still does, as the
 * activation source would, because the operator asked.
 */
export class OffSource implements RenewalSource {
  readonly kind = 'off' as const;

  constructor(private readonly onRequest: ActivationSource) {}

  knowsWhatWasBought(request: RenewalRequest): boolean {
    return this.onRequest.knowsWhatWasBought(request);
  }

  async look(request: RenewalRequest, snapshot: PbxSnapshot, ctx: SourceContext): Promise<Look> {
    if (request.renew) return this.onRequest.look(request, snapshot, ctx);
    const note = 'renewals.source is "off": expiry dates recorded, Update Activation only runs when you ask (`renew`)';
    return { kind: 'settled', outcome: 'up-to-date', plan: null, clock: await ctx.assessClock(null), notes: [note], portalMs: 0, probe: null };
  }

  apply(request: RenewalRequest, look: ApplyLook, snapshot: PbxSnapshot, ctx: SourceContext): Promise<Verdict> {
    return this.onRequest.apply(request, look, snapshot, ctx);
  }
}

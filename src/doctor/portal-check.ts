import { ConfigError, errorMessage, PortalError } from '../errors.js';
import type { Portal } from '../portal/client.js';
import { renewalSource } from '../renewals/settings.js';
import { fail, ok, warn, type DoctorCheck } from './doctor.js';
import { licence } from './host-checks.js';

/**
 * Portal reachable, token accepted, this deployment known (when the portal is the renewal source). `makePortal`
 * builds the client (reading the token: a missing or exposed token file is
 * this check's failure, not a crash).
 */
export function portalCheck(makePortal: () => Portal | null): DoctorCheck {
  return {
    id: 'portal',
    title: 'portal',
    async run(ctx) {
      const settings = ctx.config.portal;
      const source = renewalSource(ctx.config);
      if (source === 'activation') return ok('not used: renewals come from Update Activation itself (renewals.source "activation"); no portal is needed');
      if (source === 'off') {
        return warn('renewals.source is "off": expiry dates are recorded and alerted on, Update Activation runs only on `renew`', 'Remove renewals.source (or set "activation") to have renewals applied automatically.');
      }
      if (!settings) return fail('renewals.source is "portal" but no portal is configured', 'Add a "portal" section (README, "Configuration").');
      let portal: Portal | null;
      try {
        portal = makePortal();
      } catch (err) {
        if (err instanceof ConfigError) return fail(err.problems.join('; '), err.hint);
        throw err;
      }
      if (!portal) return warn('no portal configured', 'Add a "portal" section.');
      let deploymentId = ctx.config.deploymentId;
      if (deploymentId === undefined) {
        try {
          deploymentId = (await licence(ctx)).deploymentId ?? undefined;
        } catch (err) {
          return fail(`cannot tell which deployment to ask about: fwconsole could not be read (${errorMessage(err)})`, 'Fix the fwconsole check, or set deploymentId in the configuration.');
        }
      }
      if (deploymentId === undefined) return fail('no deployment id to ask the portal about', 'Set deploymentId in the configuration.');
      const origin = new URL(settings.url).origin;
      try {
        const answer = await portal.entitlements(deploymentId);
        return ok(`${origin} answered in ${Math.round(answer.durationMs)} ms: token accepted, deployment ${deploymentId} has ${answer.value.modules.length} module(s)`);
      } catch (err) {
        if (err instanceof PortalError) return fail(err.message, err.hint);
        throw err;
      }
    },
  };
}

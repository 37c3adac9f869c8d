/** Room for the event loop and the last attempt's own error before the poll's backstop fires. */
const POLL_SLACK_MS = 1000;

/** The settings a portal poll's length follows from (PortalClientOptions has them under these names). */
export interface PollSettings {
  readonly retries: number;
  readonly timeoutMs: number;
  readonly retryMaxMs: number;
}

/**
 * The longest one portal request (entitlements or change feed) can take,
 * retries included: every attempt ends at `timeout`, every wait between them
 * at `retryMax` (a Retry-After beyond it ends the attempts). A module of its
 * own: the daemon needs the figure without loading the HTTP client.
 */
export function portalPollBoundMs(o: PollSettings): number {
  return (o.retries + 1) * o.timeoutMs + o.retries * o.retryMaxMs + POLL_SLACK_MS;
}

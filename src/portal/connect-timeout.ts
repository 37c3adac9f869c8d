import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { timerDelay } from '../core/timer-delay.js';

/**
 * Agents that give up on a connection (TCP and TLS handshake) after
 * `connectTimeoutMs`, separately from the whole request's time limit: a portal
 * that does not answer SYNs should fail in seconds, a slow answer may take longer.
 */
export function connectTimeoutAgents(connectTimeoutMs: number, ca: Buffer | undefined): { httpAgent: HttpAgent; httpsAgent: HttpsAgent } {
  const guard = (socket: Duplex, event: 'connect' | 'secureConnect') => {
    const timer = setTimeout(() => socket.destroy(Object.assign(new Error('connect timeout'), { code: 'ECONNECTTIMEOUT' })), timerDelay(connectTimeoutMs));
    socket.once(event, () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
    return socket;
  };

  class Http extends HttpAgent {
    override createConnection(...args: Parameters<HttpAgent['createConnection']>) {
      return guard(super.createConnection(...args) as Duplex, 'connect') as ReturnType<HttpAgent['createConnection']>;
    }
  }
  class Https extends HttpsAgent {
    constructor(options: AgentOptions) {
      super(options);
    }
    override createConnection(...args: Parameters<HttpAgent['createConnection']>) {
      return guard(super.createConnection(...args) as Duplex, 'secureConnect') as ReturnType<HttpAgent['createConnection']>;
    }
  }
  // rejectUnauthorized stays true: certificate verification is never turned off.
  return { httpAgent: new Http({ keepAlive: false }), httpsAgent: new Https({ keepAlive: false, rejectUnauthorized: true, ...(ca ? { ca } : {}) }) };
}

import { channelId, isHttpUrl, type AlertSettings, type ChannelSettings } from '../config/alerts-schema.js';
import { FileReadError, readTextFile } from '../config/bounded-file.js';
import { readSecret } from '../config/secrets.js';
import { ConfigError, errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { Channel } from './channel.js';

/**
 * Builds the configured channels, reading their secrets (webhook URL files,
 * SMTP passwords). Every problem is collected into one ConfigError (exit 78).
 * Channel modules are loaded only when configured: nodemailer costs nothing
 * to an agent that only posts webhooks.
 */
export async function buildChannels(
  settings: AlertSettings,
  configPath: string,
  env: NodeJS.ProcessEnv = process.env,
  log?: Pick<Logger, 'warn'>,
): Promise<Channel[]> {
  const problems: string[] = [];
  const channels: Channel[] = [];
  const secret = <T>(read: () => T): T | null => {
    try {
      return read();
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else problems.push(errorMessage(err));
      return null;
    }
  };
  for (const [index, c] of settings.channels.entries()) {
    const id = channelId(c, index, settings.channels);
    const at = `alerts.channels.${index}`;
    const channel = await build(c, id, at, secret, problems, configPath, env, log);
    if (channel) channels.push(channel);
  }
  if (problems.length > 0) {
    throw new ConfigError(configPath, problems, 'Fix the listed alert channels; the README lists every key under "Alerts". Secret files must be mode 600.');
  }
  return channels;
}

async function build(
  c: ChannelSettings,
  id: string,
  at: string,
  secret: <T>(read: () => T) => T | null,
  problems: string[],
  configPath: string,
  env: NodeJS.ProcessEnv,
  log: Pick<Logger, 'warn'> | undefined,
): Promise<Channel | null> {
  switch (c.type) {
    case 'email': {
      const smtp = c.smtp;
      const password =
        smtp?.username === undefined
          ? null
          : secret(() => readSecret({ what: 'SMTP password', key: `${at}.smtp.passwordFile`, file: smtp.passwordFile, credential: 'smtp-password', format: 'password' }, configPath, env));
      const ca = smtp?.caFile === undefined ? null : secret(() => readCa(smtp.caFile!, `${at}.smtp.caFile`, configPath));
      if ((smtp?.username !== undefined && password === null) || (smtp?.caFile !== undefined && ca === null)) return null;
      const { EmailChannel } = await import('./email.js');
      return new EmailChannel(id, c, password, ca);
    }
    case 'command': {
      const { CommandChannel } = await import('./command.js');
      return new CommandChannel(id, c.command, c.timeout, (fields, message) => log?.warn(fields, message));
    }
    default: {
      const url =
        c.url ?? secret(() => readSecret({ what: `${c.type} URL`, key: `${at}.urlFile`, file: c.urlFile, credential: `alert-${id}-url` }, configPath, env));
      if (url === null) return null;
      if (!isHttpUrl(url)) {
        problems.push(`${at}.urlFile: the file does not hold an http(s) URL`);
        return null;
      }
      const { WebhookChannel } = await import('./webhook.js');
      return new WebhookChannel(id, c.type, url, c.timeout);
    }
  }
}

function readCa(path: string, key: string, configPath: string): string {
  try {
    return readTextFile(path, 'ca');
  } catch (err) {
    if (!(err instanceof FileReadError)) throw err;
    throw new ConfigError(configPath, [`${key}: ${err.message}`]);
  }
}

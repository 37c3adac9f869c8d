import { hostname } from 'node:os';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { EmailChannelSettings } from '../config/alerts-schema.js';
import { runProcess, SpawnError } from '../process/run-process.js';
import { DeliveryError, oneLine, scrub, type AlertMessage, type Channel } from './channel.js';
import { timerDelay } from '../core/timer-delay.js';
import { CHANNEL_LIMITS, fitBytes, shortenBody } from './limits.js';

/**
 * E-mail, through the local MTA's `sendmail` (what FreePBX hosts already use
 * for voicemail mail) or SMTP. nodemailer composes the message in both cases
 * and speaks SMTP; sendmail is started through runProcess like every child.
 */
export class EmailChannel implements Channel {
  readonly type = 'email';
  readonly description: string;

  constructor(
    readonly id: string,
    private readonly settings: EmailChannelSettings,
    /** SMTP password, when the server wants one. */
    private readonly password: string | null,
    /** PEM of a private CA for the SMTP server's certificate. */
    private readonly ca: string | null,
  ) {
    const smtp = settings.smtp;
    const via = smtp ? `SMTP ${smtp.host}:${smtpPort(settings)}` : settings.sendmail;
    this.description = `email via ${via} to ${settings.to.join(', ')}`;
  }

  async send(message: AlertMessage): Promise<void> {
    const mail: Mail.Options = {
      from: this.settings.from ?? `pbx-activation-agent@${hostname()}`,
      to: [...this.settings.to],
      // The title is one bounded line already (alerts/messages.ts); nodemailer folds and encodes it.
      subject: message.title,
      text: `${fitBytes(shortenBody(message.body, CHANNEL_LIMITS.email.bodyBytes), CHANNEL_LIMITS.email.bodyBytes)}\n\n-- \npbx-activation-agent alert ${message.uid} (${message.kind}, ${message.severity}), ${message.createdAt}\n`,
      // With an HTML alternative, nodemailer sends multipart/alternative: clients show the one they prefer.
      ...(message.html === undefined ? {} : { html: message.html }),
      messageId: `<${message.uid}@pbx-activation-agent>`,
      headers: { 'Auto-Submitted': 'auto-generated', 'X-PBX-Alert-Kind': message.kind, 'X-PBX-Alert-Severity': message.severity },
      disableFileAccess: true,
      disableUrlAccess: true,
    };
    if (this.settings.smtp) await this.sendSmtp(mail);
    else await this.sendmail(mail);
  }

  redact(text: string): string {
    return scrub(text, [this.password]);
  }

  private async sendSmtp(mail: Mail.Options): Promise<void> {
    const smtp = this.settings.smtp!;
    const timeout = this.settings.timeout;
    const transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtpPort(this.settings),
      secure: smtp.security === 'tls',
      requireTLS: smtp.security === 'starttls',
      ignoreTLS: smtp.security === 'none',
      auth: smtp.username === undefined ? undefined : { user: smtp.username, pass: this.password ?? '' },
      tls: this.ca === null ? undefined : { ca: this.ca },
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      logger: false,
      debug: false,
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      // Per-step timeouts do not bound the whole exchange: a server that trickles would hold us forever.
      await Promise.race([
        transport.sendMail(mail),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(timeout / 1000)}s`)), timerDelay(timeout));
        }),
      ]);
    } catch (err) {
      const e = err as { message?: string; code?: string };
      throw new DeliveryError(`${this.description}: ${this.redact(oneLine(e.message ?? String(err)))}${e.code === 'EAUTH' ? ' (check smtp.username and the password file)' : ''}`);
    } finally {
      clearTimeout(timer);
      transport.close();
    }
  }

  private async sendmail(mail: Mail.Options): Promise<void> {
    const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    const composed = await composer.sendMail(mail);
    const argv = [this.settings.sendmail, '-i', ...this.settings.to];
    let result;
    try {
      result = await runProcess(argv, { timeoutMs: this.settings.timeout, input: composed.message as Buffer, env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' } });
    } catch (err) {
      const code = err instanceof SpawnError ? err.code : '';
      const hint = code === 'ENOENT' ? ' (no local MTA: install one, e.g. exim4 or postfix, or configure smtp)' : '';
      throw new DeliveryError(`${this.description}: cannot run ${this.settings.sendmail}: ${code || String(err)}${hint}`);
    }
    if (result.timedOut) throw new DeliveryError(`${this.description}: sendmail did not finish within ${Math.round(this.settings.timeout / 1000)}s (stopped)`);
    if (result.exitCode !== 0) {
      const said = oneLine(`${result.stderr} ${result.stdout}`);
      throw new DeliveryError(`${this.description}: sendmail exited with ${result.exitCode === null ? `signal ${result.signal}` : `status ${result.exitCode}`}${said ? `: ${said}` : ''}`);
    }
  }
}

function smtpPort(settings: EmailChannelSettings): number {
  return settings.smtp?.port ?? (settings.smtp?.security === 'tls' ? 465 : 587);
}

/**
 * @module A real SMTP server on 127.0.0.1 for mail tests (the `smtp-server` package):
 * it keeps every message it accepts, and can be stopped and started again on the same
 * port to play a mail server that is down.
 */
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly raw: string;
}

export interface TestSmtp {
  readonly port: number;
  readonly url: string;
  readonly received: ReceivedMail[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

function server(received: ReceivedMail[]): SMTPServer {
  return new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
}

/** A running server on a free port. */
export async function startTestSmtp(): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  let s = server(received);
  const port = await new Promise<number>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve((s.server.address() as { port: number }).port));
  });
  let running = true;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    async start() {
      if (running) return;
      s = server(received);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, '127.0.0.1', () => resolve());
      });
      running = true;
    },
    async stop() {
      if (!running) return;
      await new Promise<void>((resolve) => s.close(() => resolve()));
      running = false;
    },
  };
}

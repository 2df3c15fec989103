/**
 * The embedded default broker: aedes over node:net, in-memory persistence, loopback only. MQTT 3.1.1 only
 * (aedes has no MQTT 5), so commands use the `cmd/<name>/reply` convention against it.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { XacminhError } from '../../drivers/errors.ts';
import { MAX_INCOMING_PACKET_BYTES } from './publisher.ts';

export interface EmbeddedBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(options: { port?: number; host: string } = { host: '127.0.0.1' }): Promise<EmbeddedBroker> {
  // aedes (MQTT 3.1.1) has no maximum packet size: refuse to pass on anything larger than a command may be, so no
  // client on this machine can make the agent buffer it (MQTT 5 brokers get maximumPacketSize at connect instead).
  const broker = await Aedes.createBroker({
    authorizePublish: (_client, packet, callback) =>
      callback(packet.payload.length > MAX_INCOMING_PACKET_BYTES ? new Error(`message of ${packet.payload.length} bytes refused: at most ${MAX_INCOMING_PACKET_BYTES}`) : null),
  });
  const server: Server = createServer(broker.handle);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'EADDRINUSE'
        ? `Port ${options.port} on ${options.host} is already in use by another program: set mqtt.port in the site config to a free port (0 picks one), or stop that program`
        : `The embedded MQTT broker cannot listen on ${options.host}:${options.port ?? 0} (${code ?? 'error'}): check mqtt.port in the site config`;
    throw new XacminhError('BROKER_UNAVAILABLE', message, { host: options.host, port: options.port, code }, { cause: error });
  }
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    url: `mqtt://${options.host}:${port}`,
    port,
    close: () =>
      (closed ??= (async () => {
        // Close the broker first: it ends client sockets, which lets server.close() finish.
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })()),
  };
}

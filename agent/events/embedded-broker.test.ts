// The embedded broker on a port another program already holds: one sentence naming the port and mqtt.port.
import { createServer, type AddressInfo } from 'node:net';
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertRejectsCode } from '../../drivers/test-assert.ts';
import { startEmbeddedBroker } from './embedded-broker.ts';
import { MAX_INCOMING_PACKET_BYTES } from './publisher.ts';

test('a broker port in use is one sentence naming the port and mqtt.port, not a stack', async () => {
  const other = createServer();
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  const port = (other.address() as AddressInfo).port;
  try {
    const error = await assertRejectsCode(startEmbeddedBroker({ port, host: '127.0.0.1' }), 'BROKER_UNAVAILABLE');
    assert.is(error.message, `Port ${port} on 127.0.0.1 is already in use by another program: set mqtt.port in the site config to a free port (0 picks one), or stop that program`);
    assert.is(error.evidence.code, 'EADDRINUSE');
  } finally {
    await new Promise<void>((resolve) => other.close(() => resolve()));
  }
});

test('the embedded broker passes on no message larger than a command may be (MQTT 3.1.1 has no packet size limit)', async () => {
  const broker = await startEmbeddedBroker({ port: 0, host: '127.0.0.1' });
  const device = await mqtt.connectAsync(broker.url, { clientId: 'device', reconnectPeriod: 0 });
  try {
    const received: number[] = [];
    device.on('message', (_topic, payload) => received.push(payload.length));
    await device.subscribeAsync('xacminh/v1/site/dev/cmd/+', { qos: 1 });
    const sender = await mqtt.connectAsync(broker.url, { clientId: 'sender-big', reconnectPeriod: 0 });
    sender.on('error', () => undefined); // aedes ends the connection of a refused 3.1.1 publisher
    sender.publish('xacminh/v1/site/dev/cmd/ping', Buffer.alloc(MAX_INCOMING_PACKET_BYTES + 1, 0x20), { qos: 0 });
    await sender.endAsync().catch(() => undefined);
    const small = await mqtt.connectAsync(broker.url, { clientId: 'sender-small', reconnectPeriod: 0 });
    await small.publishAsync('xacminh/v1/site/dev/cmd/ping', Buffer.alloc(MAX_INCOMING_PACKET_BYTES, 0x20), { qos: 1 });
    await small.endAsync();
    const deadline = Date.now() + 5000;
    while (!received.includes(MAX_INCOMING_PACKET_BYTES) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(received, [MAX_INCOMING_PACKET_BYTES], 'only the message within the limit reached the device');
  } finally {
    await device.endAsync();
    await broker.close();
  }
});

test.run();

// The embedded broker on a port another program already holds: one sentence naming the port and mqtt.port.
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertRejectsCode } from '../../drivers/test-assert.ts';
import { startEmbeddedBroker } from './embedded-broker.ts';

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

test.run();

// The memory settings reach the service unit as they are measured: each environment entry passes the unit's
// quoting rules and lands as one Environment= line, and the V8 flags sit before the script in ExecStart.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderServiceUnit } from '../../provisioning/service/unit.ts';
import { SERVICE_ENVIRONMENT, SERVICE_NODE_FLAGS } from './service-env.ts';

const unit = renderServiceUnit({ nodePath: '/usr/bin/node', environment: SERVICE_ENVIRONMENT, nodeFlags: SERVICE_NODE_FLAGS });

test('service environment: every entry is an Environment= line of the unit install-service writes', () => {
  const lines = unit.split('\n').filter((line) => line.startsWith('Environment="'));
  for (const [name, value] of Object.entries(SERVICE_ENVIRONMENT)) assert.ok(lines.includes(`Environment="${name}=${value}"`), `${name} in\n${unit}`);
  assert.not.ok('NODE_OPTIONS' in SERVICE_ENVIRONMENT, 'V8 flags go on the command line, not to child processes');
});

test('service node flags: on ExecStart between node and the script', () => {
  const exec = unit.split('\n').find((line) => line.startsWith('ExecStart='));
  assert.is(exec, `ExecStart=/usr/bin/node ${SERVICE_NODE_FLAGS.join(' ')} /opt/xacminh/app/dist/agent/cli/main.js start --data-dir /var/lib/xacminh`);
  assert.throws(() => renderServiceUnit({ nodePath: '/usr/bin/node', nodeFlags: ['--title=a b'] }), /one --name or --name=value/);
});

test.run();

// The memory settings reach the service unit as they are measured: each passes the unit's quoting rules and
// lands as one Environment= line of the rendered unit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renderServiceUnit } from '../../provisioning/service/unit.ts';
import { SERVICE_ENVIRONMENT } from './service-env.ts';

test('service environment: every entry is an Environment= line of the unit install-service writes', () => {
  const unit = renderServiceUnit({ nodePath: '/usr/bin/node', environment: SERVICE_ENVIRONMENT });
  const lines = unit.split('\n').filter((line) => line.startsWith('Environment="'));
  for (const [name, value] of Object.entries(SERVICE_ENVIRONMENT)) assert.ok(lines.includes(`Environment="${name}=${value}"`), `${name} in\n${unit}`);
  assert.ok(Number(SERVICE_ENVIRONMENT.MALLOC_ARENA_MAX) >= 1);
  assert.match(SERVICE_ENVIRONMENT.NODE_OPTIONS ?? '', /^--max-semi-space-size=\d+$/);
});

test.run();

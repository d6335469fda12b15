import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { configYaml, defaultConfig, unwrapConfig } from './config-schema.js';

test('raw and described YAML both load back to the defaults', () => {
  const defaults = defaultConfig();
  for (const raw of [true, false]) {
    const loaded = unwrapConfig(parse(configYaml({ raw, header: 'test' })));
    assert.deepEqual(loaded, defaults, `raw=${raw}`);
  }
});

test('defaults match the original deepBlink training settings', () => {
  const c = defaultConfig() as Record<string, Record<string, unknown>>;
  assert.equal(c.network.filters, 5);
  assert.equal(c.network.ndown, 2);
  assert.equal(c.network.cell_size, 4);
  assert.equal(c.network.dropout, 0.3);
  assert.equal(c.network.l2, 1e-6);
  assert.equal(c.train.batch_size, 2);
  assert.equal(c.train.learning_rate, 1e-4);
  assert.equal(c.optimizer, 'amsgrad');
});

test('every described leaf carries a non-empty description', () => {
  const doc = parse(configYaml({ raw: false, header: 'x' })) as Record<string, unknown>;
  const walk = (o: Record<string, unknown>): number => {
    if ('description' in o) {
      assert.ok(typeof o.description === 'string' && o.description.length > 5);
      return 1;
    }
    return Object.values(o).reduce<number>((n, v) => n + walk(v as Record<string, unknown>), 0);
  };
  assert.ok(walk(doc) >= 20);
});

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

test("defaults are the bundled models' recipe (not the original's paper network, 200 epochs at 1e-4)", () => {
  const c = defaultConfig() as Record<string, Record<string, unknown>>;
  assert.deepEqual(c.network, { architecture: 'lean', filters: 4, ndown: 1, cell_size: 4, dropout: 0, block: 'residual', l2: 1e-6 });
  assert.equal(c.train.batch_size, 8);
  assert.equal(c.train.epochs, 40);
  assert.equal(c.train.learning_rate, 2e-3);
  assert.equal(c.train.lr_schedule, 'cosine');
  assert.equal(c.optimizer, 'amsgrad');
  assert.equal(c.loss, 'combined_bce_rmse');
  assert.equal(c.normalization, 'noise');
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

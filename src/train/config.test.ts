import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfigFile, resolveConfig } from './config.js';
import { BUNDLED_NETWORK } from '../network/spec.js';

test("every path in a config file is relative to the file's folder, whatever the current folder", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deepblink-config-'));
  const sub = path.join(dir, 'project', 'configs');
  mkdirSync(path.join(sub, 'models'), { recursive: true });
  writeFileSync(path.join(sub, 'models', 'start.onnx'), '');
  const write = (name: string, preTrain: string | null) => {
    const file = path.join(sub, name);
    writeFileSync(file, `dataset: ../data/ds\nsavedir: out\ntrain:\n  pre_train: ${preTrain === null ? 'null' : JSON.stringify(preTrain)}\n`);
    return file;
  };
  assert.notEqual(process.cwd(), sub);
  const c = loadConfigFile(write('a.yaml', 'models/start.onnx'));
  assert.equal(c.dataset, path.join(dir, 'project', 'data', 'ds'));
  assert.equal(c.savedir, path.join(sub, 'out'));
  assert.equal(c.train.pre_train, path.join(sub, 'models', 'start.onnx'));
  // a relative file name that exists beside the config; a missing .onnx stays a path (reported when training starts)
  writeFileSync(path.join(sub, 'near.onnx'), '');
  assert.equal(loadConfigFile(write('b.yaml', 'near.onnx')).train.pre_train, path.join(sub, 'near.onnx'));
  assert.equal(loadConfigFile(write('c.yaml', 'gone.onnx')).train.pre_train, path.join(sub, 'gone.onnx'));
  // a bare name is a bundled model; absolute paths stay; null stays null
  assert.equal(loadConfigFile(write('d.yaml', 'general')).train.pre_train, 'general');
  assert.equal(loadConfigFile(write('e.yaml', '/abs/m.onnx')).train.pre_train, '/abs/m.onnx');
  assert.equal(loadConfigFile(write('f.yaml', null)).train.pre_train, null);
  // a config made in code: relative to the current folder
  assert.equal(resolveConfig({ dataset: 'ds' }).dataset, path.resolve('ds'));
});

test("the defaults resolve to the bundled models' network", () => {
  const c = resolveConfig({});
  assert.deepEqual(c.network, BUNDLED_NETWORK);
  assert.equal(c.train.epochs, 40);
});

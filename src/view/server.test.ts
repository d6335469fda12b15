/**
 * The viewer's server: token, Host check, traversal attempts, the JSON/bytes API against the
 * library's own readers, and the `deepblink view` command end to end (runs from dist/).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../testutil/shared.js';
import { startViewer, type RunningViewer } from './server.js';
import { readImage } from '../io/image/read.js';
import { iteratePlanes, resolveAxes } from '../io/image/axes.js';
import { encodeTiff } from '../io/image/write.js';
import { bundledPath } from '../model/bundled.js';
import { VERSION } from '../core/version.js';
import { DeepblinkError } from '../core/errors.js';

const DEMO = path.join(repoRoot, 'examples', 'demo.tif');
const TOKEN = 'testtoken0123456789abcdef';
const SECRET = 'SECRET-CONTENT-7f3a9c';
let work = '';
let assets = '';
let viewer: RunningViewer;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A raw request: the path goes out exactly as given (no normalisation). */
function request(rawPath: string, opts: { method?: string; host?: string; port?: number } = {}): Promise<Reply> {
  const port = opts.port ?? viewer.port;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: opts.method ?? 'GET', path: rawPath, headers: { Host: opts.host ?? `127.0.0.1:${port}` }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const api = (p: string) => `/${TOKEN}/${p}`;
const json = (r: Reply) => JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;

/** A 3-plane z stack, 12 × 20, uint16, plane k holding 1000 k + index. */
function stackTiff(): Uint8Array {
  const planes = [0, 1, 2].map((k) => {
    const data = new Uint16Array(12 * 20);
    for (let i = 0; i < data.length; i++) data[i] = 1000 * k + i;
    return { data, height: 12, width: 20 };
  });
  return encodeTiff(planes, { axes: 'zyx' });
}

before(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'deepblink-view-'));
  // the page: index.html, an asset, a symbolic link out of the folder; a secret beside the folder
  assets = path.join(work, 'viewer');
  mkdirSync(path.join(assets, 'assets'), { recursive: true });
  writeFileSync(path.join(assets, 'index.html'), '<!doctype html><title>deepblink</title>');
  writeFileSync(path.join(assets, 'assets', 'app.js'), 'console.log("app");');
  writeFileSync(path.join(work, 'secret.txt'), SECRET);
  symlinkSync(path.join(work, 'secret.txt'), path.join(assets, 'assets', 'out.txt'));
  // images and tables
  const data = path.join(work, 'data');
  mkdirSync(data);
  writeFileSync(path.join(data, 'stack.tif'), stackTiff());
  writeFileSync(path.join(data, 'stack.csv'), 'y,x,z,score,label\n1.5,2.25,0,0.9,a\n3,4,2,0.5,b\n');
  writeFileSync(path.join(data, 'broken.tif'), Buffer.from('II*\0this is not a TIFF at all, just a few bytes'));
  writeFileSync(path.join(data, 'broken.csv'), 'a,b\n1,2\n');
  writeFileSync(path.join(data, 'orphan.csv'), 'y,x\n1,1\n');
  viewer = await startViewer({
    images: [DEMO, path.join(data, 'stack.tif'), path.join(data, 'broken.tif')],
    spots: [path.join(data, 'stack.csv'), path.join(data, 'orphan.csv')],
    truth: [path.join(repoRoot, 'examples', 'demo_truth.csv'), path.join(data, 'broken.csv')],
    model: 'smfish',
    assetsDir: assets,
    token: TOKEN,
  });
});

after(async () => {
  await viewer?.close();
  rmSync(work, { recursive: true, force: true });
});

test('listens on 127.0.0.1 only, at the URL it reports', () => {
  assert.equal(viewer.url, `http://127.0.0.1:${viewer.port}/${TOKEN}/`);
  assert.equal(viewer.token, TOKEN);
  assert.ok(viewer.port > 0);
  assert.deepEqual(
    viewer.images.map((f) => path.basename(f)),
    ['demo.tif', 'stack.tif', 'broken.tif'],
  );
  // demo_truth.csv and orphan.csv pair with no image (stems differ): warnings, not errors
  assert.equal(viewer.warnings.length, 2, viewer.warnings.join('\n'));
  assert.ok(viewer.warnings.some((w) => w.includes('orphan.csv')));
  assert.ok(viewer.warnings.some((w) => w.includes('demo_truth.csv')));
});

test('the server is bound to the loopback address only', async () => {
  // the address the test server reports, via a second viewer with the same options
  const v = await startViewer({ images: [DEMO], assetsDir: assets });
  try {
    const addresses = os.networkInterfaces();
    const other = Object.values(addresses)
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal);
    if (other) {
      // connecting through a non-loopback address of this machine is refused
      await assert.rejects(
        new Promise<void>((resolve, reject) => {
          const s = net.connect({ host: other.address, port: v.port }, () => {
            s.destroy();
            resolve();
          });
          s.on('error', reject);
        }),
      );
    }
    assert.match(v.token, /^[0-9a-f]{32}$/);
  } finally {
    await v.close();
  }
});

test('security headers on every response, including errors', async () => {
  for (const p of [`/${TOKEN}/`, api('api/session'), '/nope', api('assets/missing.js')]) {
    const r = await request(p);
    assert.equal(r.headers['cross-origin-opener-policy'], 'same-origin', p);
    assert.equal(r.headers['cross-origin-embedder-policy'], 'require-corp', p);
    assert.equal(r.headers['cross-origin-resource-policy'], 'same-origin', p);
    assert.equal(r.headers['x-content-type-options'], 'nosniff', p);
    assert.equal(r.headers['cache-control'], 'no-store', p);
    assert.equal(r.headers['referrer-policy'], 'no-referrer', p);
    assert.match(String(r.headers['content-security-policy']), /default-src 'self'; script-src 'self' 'wasm-unsafe-eval';.*frame-ancestors 'none'/, p);
  }
});

test('the page and its assets, with their content types', async () => {
  const index = await request(`/${TOKEN}/`);
  assert.equal(index.status, 200);
  assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(index.body.toString(), readFileSync(path.join(assets, 'index.html'), 'utf8'));
  const js = await request(api('assets/app.js'));
  assert.equal(js.status, 200);
  assert.equal(js.headers['content-type'], 'text/javascript');
  assert.equal(js.body.toString(), 'console.log("app");');
  const head = await request(api('assets/app.js'), { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.equal(head.headers['content-length'], String('console.log("app");'.length));
  // a folder is not a file
  assert.equal((await request(api('assets'))).status, 404);
  assert.equal((await request(api('assets/'))).status, 404);
});

test('a wrong or missing token is a bare 404', async () => {
  for (const p of [
    '/',
    '/index.html',
    `/${TOKEN}`,
    `/${TOKEN.slice(0, -1)}/`,
    `/${TOKEN}x/`,
    `/x${TOKEN}/`,
    '/api/session',
    `/${TOKEN.toUpperCase()}/api/session`,
  ]) {
    const r = await request(p);
    assert.equal(r.status, 404, p);
    assert.equal(r.body.toString(), 'not found\n', p);
    assert.ok(!r.body.toString().includes(TOKEN), p);
  }
});

test('path traversal, encoded separators and absolute paths never reach outside the page folder', async () => {
  const attempts = [
    `/${TOKEN}/../secret.txt`,
    `/${TOKEN}/assets/../../secret.txt`,
    `/${TOKEN}/%2e%2e/secret.txt`,
    `/${TOKEN}/%2E%2E/secret.txt`,
    `/${TOKEN}/assets/%2e%2e/%2e%2e/secret.txt`,
    `/${TOKEN}/..%2fsecret.txt`,
    `/${TOKEN}/..%2Fsecret.txt`,
    `/${TOKEN}/%2e%2e%2fsecret.txt`,
    `/${TOKEN}/..%5csecret.txt`,
    `/${TOKEN}/..\\secret.txt`,
    `/${TOKEN}/assets\\..\\..\\secret.txt`,
    `/${TOKEN}//etc/passwd`,
    `/${TOKEN}/${encodeURIComponent(path.join(work, 'secret.txt'))}`,
    `/${TOKEN}/%2f${path.join(work, 'secret.txt').slice(1)}`,
    `/${TOKEN}/./index.html`,
    `/${TOKEN}/assets/./app.js`,
    `/${TOKEN}/assets//app.js`,
    `/${TOKEN}/index.html%00.js`,
    `/${TOKEN}/%c0%ae%c0%ae/secret.txt`,
    `/${TOKEN}/%/secret.txt`,
    '//etc/passwd',
    `/${TOKEN}/assets/out.txt`, // symbolic link out of the folder
    `http://127.0.0.1:${viewer.port}/${TOKEN}/../secret.txt`,
  ];
  for (const p of attempts) {
    const r = await request(p);
    assert.ok(r.status >= 400 && r.status < 500, `${p} → ${r.status}`);
    assert.ok(!r.body.toString('latin1').includes(SECRET), `${p} leaked the secret`);
  }
  assert.equal((await request(`/${TOKEN}/assets/out.txt`)).status, 404);
  assert.equal((await request(`/${TOKEN}/%/secret.txt`)).status, 400);
});

test('DNS-rebinding protection: a Host other than 127.0.0.1/localhost with the port is 403', async () => {
  for (const host of [
    'evil.example',
    `evil.example:${viewer.port}`,
    '127.0.0.1',
    `127.0.0.1:${viewer.port + 1}`,
    `0.0.0.0:${viewer.port}`,
    `[::1]:${viewer.port}`,
  ]) {
    const r = await request(api('api/session'), { host });
    assert.equal(r.status, 403, host);
    assert.ok(!r.body.toString().includes('"version"'));
  }
  assert.equal((await request(api('api/session'), { host: `localhost:${viewer.port}` })).status, 200);
});

test('only GET and HEAD', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
    const r = await request(api('api/session'), { method });
    assert.equal(r.status, 405, method);
  }
});

test('session: images, what they have, the models and the default', async () => {
  const r = await request(api('api/session'));
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^application\/json/);
  const s = json(r) as { version: string; images: unknown[]; models: { id: string; label: string; bundled: boolean }[]; defaultModel: string };
  assert.equal(s.version, VERSION);
  assert.deepEqual(s.images, [
    { id: 0, name: 'demo.tif', hasSpots: false, hasTruth: false },
    { id: 1, name: 'stack.tif', hasSpots: true, hasTruth: false },
    { id: 2, name: 'broken.tif', hasSpots: false, hasTruth: true },
  ]);
  assert.ok(s.models.some((m) => m.id === 'general' && m.bundled));
  assert.ok(!s.models.some((m) => m.id === 'file'), 'a bundled --model is not listed twice');
  assert.equal(s.defaultModel, 'smfish');
});

test('image metadata as readImage + resolveAxes see it', async () => {
  const demo = json(await request(api('api/image/0')));
  assert.deepEqual(demo, {
    name: 'demo.tif',
    axes: 'yx',
    shape: [256, 256],
    sizes: { c: 1, t: 1, z: 1 },
    height: 256,
    width: 256,
    dtype: 'uint16',
    warnings: [],
  });
  const stack = json(await request(api('api/image/1')));
  assert.equal(stack.axes, 'zyx');
  assert.deepEqual(stack.shape, [3, 12, 20]);
  assert.deepEqual(stack.sizes, { c: 1, t: 1, z: 3 });
  assert.equal(stack.height, 12);
  assert.equal(stack.width, 20);
  for (const p of ['api/image/3', 'api/image/-1', 'api/image/x', 'api/image/01x', 'api/image/0/other', 'api/image/0/plane/1', 'api/nothing']) {
    assert.equal((await request(api(p))).status, 404, p);
  }
});

test('a bad image is a 422 with one line, never a stack', async () => {
  for (const p of ['api/image/2', 'api/image/2/plane', 'api/image/2/truth']) {
    const r = await request(api(p));
    assert.equal(r.status, 422, p);
    const { error } = json(r) as { error: string };
    assert.equal(typeof error, 'string');
    assert.ok(error.length > 0 && !error.includes('\n') && !/\bat .*\.js:\d+/.test(error), error);
  }
});

test('plane bytes are the typed array iteratePlanes yields, byte for byte', async () => {
  const raw = await readImage(DEMO);
  const expected = iteratePlanes(raw, resolveAxes(raw).axes).next().value!.plane;
  const r = await request(api('api/image/0/plane?c=0&t=0&z=0'));
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/octet-stream');
  assert.equal(r.headers['x-dtype'], 'uint16');
  assert.equal(r.headers['x-height'], '256');
  assert.equal(r.headers['x-width'], '256');
  assert.ok(Buffer.from(expected.data.buffer, expected.data.byteOffset, expected.data.byteLength).equals(r.body));
  // default indices are 0
  assert.ok((await request(api('api/image/0/plane'))).body.equals(r.body));
  // a stack: each z plane
  const sraw = await readImage(path.join(work, 'data', 'stack.tif'));
  const planes = [...iteratePlanes(sraw, resolveAxes(sraw).axes)];
  for (const z of [2, 0, 1]) {
    const pr = await request(api(`api/image/1/plane?z=${z}`));
    assert.equal(pr.status, 200);
    const d = planes[z].plane.data;
    assert.ok(Buffer.from(d.buffer, d.byteOffset, d.byteLength).equals(pr.body), `z=${z}`);
    assert.equal(new Uint16Array(pr.body.buffer.slice(pr.body.byteOffset, pr.body.byteOffset + pr.body.length))[5], 1000 * z + 5);
  }
  for (const q of ['z=3', 'z=-1', 'z=1.5', 'z=x', 'c=1', 't=1', 'z=', 'z=1e0']) {
    const bad = await request(api(`api/image/1/plane?${q}`));
    assert.equal(bad.status, 400, q);
    assert.ok(typeof json(bad).error === 'string');
  }
});

test('spots: points from readLabels and the table itself', async () => {
  const r = await request(api('api/image/1/spots'));
  assert.equal(r.status, 200);
  const s = json(r);
  assert.equal(s.file, 'stack.csv');
  assert.deepEqual(s.points, [
    [1.5, 2.25],
    [3, 4],
  ]);
  assert.deepEqual(s.planes, { z: [0, 2] });
  assert.deepEqual(s.columns, ['y', 'x', 'z', 'score', 'label']);
  assert.deepEqual(s.rows, [
    [1.5, 2.25, 0, 0.9, 'a'],
    [3, 4, 2, 0.5, 'b'],
  ]);
  assert.equal((await request(api('api/image/0/spots'))).status, 404);
  assert.equal((await request(api('api/image/1/truth'))).status, 404);
});

test('a bad CSV is a 422 with its message', async () => {
  // pair broken.csv with a readable image of the same stem
  const dir = mkdtempSync(path.join(work, 'bad-'));
  writeFileSync(path.join(dir, 'img.tif'), stackTiff());
  writeFileSync(path.join(dir, 'img.csv'), 'a,b\n1,2\n');
  const v = await startViewer({ images: [dir], spots: [dir], assetsDir: assets, token: TOKEN });
  try {
    const r = await request(`/${TOKEN}/api/image/0/spots`, { port: v.port });
    assert.equal(r.status, 422);
    assert.match(String(json(r).error), /^[^\n]+$/);
  } finally {
    await v.close();
  }
});

test('model bytes are the file; an unknown model id is 404', async () => {
  const r = await request(api('api/model/smfish'));
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/octet-stream');
  assert.ok(readFileSync(bundledPath('smfish')!).equals(r.body));
  for (const id of ['nope', 'file', '..%2fgeneral', 'general.onnx']) assert.equal((await request(api(`api/model/${id}`))).status, 404, id);
});

test('a model file that is not bundled is offered as "file"', async () => {
  const model = path.join(work, 'mine.onnx');
  writeFileSync(model, readFileSync(bundledPath('general')!));
  const v = await startViewer({ images: [DEMO], model, assetsDir: assets, token: TOKEN });
  try {
    const s = json(await request(`/${TOKEN}/api/session`, { port: v.port })) as {
      models: { id: string; label: string; bundled: boolean }[];
      defaultModel: string;
    };
    assert.equal(s.defaultModel, 'file');
    assert.deepEqual(s.models.at(-1), { id: 'file', label: 'mine.onnx', bundled: false });
    assert.ok(readFileSync(model).equals((await request(`/${TOKEN}/api/model/file`, { port: v.port })).body));
  } finally {
    await v.close();
  }
});

test('start-up checks: missing image, bad model, missing page, one image + one CSV pair', async () => {
  await assert.rejects(startViewer({ images: [path.join(work, 'nope.tif')], assetsDir: assets }), (e: unknown) => {
    assert.ok(e instanceof DeepblinkError);
    assert.equal(e.code, 'not-found');
    assert.equal(e.file, path.join(work, 'nope.tif'));
    return true;
  });
  await assert.rejects(startViewer({ images: [], assetsDir: assets }), DeepblinkError);
  await assert.rejects(
    startViewer({ images: [DEMO], model: 'no-such-model', assetsDir: assets }),
    (e: unknown) => e instanceof DeepblinkError && e.code === 'not-found',
  );
  await assert.rejects(
    startViewer({ images: [DEMO], assetsDir: path.join(work, 'nothing') }),
    /the viewer's page is missing from this installation .*npm run build/,
  );
  await assert.rejects(
    startViewer({ images: [DEMO], spots: [path.join(work, 'nope.csv')], assetsDir: assets }),
    (e: unknown) => e instanceof DeepblinkError && e.code === 'not-found',
  );
  const v = await startViewer({ images: [DEMO], truth: [path.join(repoRoot, 'examples', 'demo_truth.csv')], assetsDir: assets, token: TOKEN });
  try {
    assert.deepEqual(v.warnings, []);
    const t = json(await request(`/${TOKEN}/api/image/0/truth`, { port: v.port }));
    assert.equal(t.file, 'demo_truth.csv');
    assert.equal((t.points as unknown[]).length, 52);
    assert.equal((t.columns as string[])[2], 'photons');
  } finally {
    await v.close();
  }
});

test('a port in use is a clear error; close() frees the port', async () => {
  await assert.rejects(
    startViewer({ images: [DEMO], assetsDir: assets, port: viewer.port }),
    /port \d+ is in use \(choose another with --port, or 0 for any free port\)/,
  );
  const v = await startViewer({ images: [DEMO], assetsDir: assets, token: TOKEN });
  const port = v.port;
  assert.equal((await request(`/${TOKEN}/api/session`, { port })).status, 200);
  await v.close();
  await assert.rejects(request(`/${TOKEN}/api/session`, { port }));
  const again = await startViewer({ images: [DEMO], assetsDir: assets, port });
  await again.close();
});

test('deepblink view: prints the URL, serves, stops on Ctrl-C with exit 0', async () => {
  const bin = path.join(repoRoot, 'dist', 'cli', 'main.js');
  const child = spawn(process.execPath, [bin, 'view', DEMO, '--port', '0'], { cwd: work, env: { ...process.env, DEEPBLINK_VIEWER_DIR: assets } });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed; stdout: ${out}; stderr: ${err}`)), 4000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /serving 1 image at (http:\/\/127\.0\.0\.1:(\d+)\/([0-9a-f]{32})\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  const u = new URL(url);
  const r = await request(`${u.pathname}api/session`, { port: Number(u.port) });
  assert.equal(r.status, 200);
  assert.equal((json(r).images as unknown[]).length, 1);
  child.kill('SIGINT');
  assert.equal(await exited, 0, err);
  assert.match(out, /open it in a browser; Ctrl-C stops the server/);
  assert.match(out, /stopped/);
});

test('deepblink view: errors as one line', async () => {
  const bin = path.join(repoRoot, 'dist', 'cli', 'main.js');
  const run = (args: string[]) =>
    new Promise<{ code: number | null; err: string }>((resolve) => {
      const c = spawn(process.execPath, [bin, 'view', ...args], { cwd: work, env: { ...process.env, DEEPBLINK_VIEWER_DIR: assets } });
      let err = '';
      c.stderr.on('data', (d: Buffer) => (err += d.toString()));
      c.on('exit', (code) => resolve({ code, err }));
    });
  const missing = await run(['nope.tif']);
  assert.equal(missing.code, 1);
  assert.equal(missing.err, 'deepblink: error: nope.tif: no such file or folder\n');
  const none = await run([]);
  assert.notEqual(none.code, 0);
  assert.match(none.err, /missing required argument/);
  const inUse = await run([DEMO, '--port', String(viewer.port)]);
  assert.equal(inUse.code, 1);
  assert.equal(inUse.err, `deepblink: error: port ${viewer.port} is in use (choose another with --port, or 0 for any free port)\n`);
});

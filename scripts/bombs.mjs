#!/usr/bin/env node
/**
 * `node scripts/bombs.mjs OUTDIR [--measure] [-- extra deepblink args]` — writes one file of each
 * decompression-bomb class (src/testutil/bombs.ts) at full size into OUTDIR and, with
 * --measure, runs `deepblink check FILE` on each under /usr/bin/time -v (Linux), one at a time,
 * and prints its exit code, peak resident memory and last line of output. Needs a built dist/
 * (npm run build). Without a lowered cap some of these files make an unguarded reader use
 * gigabytes of memory: run it on a machine that has them.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const b = await import(path.join(root, 'dist', 'testutil', 'bombs.js'));

const args = process.argv.slice(2);
const sep = args.indexOf('--');
const extra = sep >= 0 ? args.slice(sep + 1) : [];
const own = sep >= 0 ? args.slice(0, sep) : args;
const outDir = own.find((a) => !a.startsWith('--'));
if (!outDir) {
  process.stderr.write('usage: node scripts/bombs.mjs OUTDIR [--measure] [-- extra deepblink check args]\n');
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });

const GiB = 2 ** 30;
const bombs = [
  ['lzw-runaway.tif', () => b.lzwRunawayTiff()],
  ['shared-strip.tif', () => b.sharedStripTiff(32768, 128, 512)], // 512 strips × 4 MiB, one block: 2 GiB
  ['deflate-zeros.tif', () => b.deflateZerosTiff(32768, 128, 512)], // 512 distinct blocks of zeros: 2 GiB
  ['deflate-strip.tif', () => b.deflateStripBomb(1024, 2 * GiB)], // 1 MB image, its strip inflates to 2 GiB
  ['packbits-strip.tif', () => b.packbitsStripBomb(1024, 128 * 2 ** 20)], // 1 MB image, strip expands to 128 MiB
  ['png-huge-header.png', () => b.pngHugeHeader(40000, 40000, 1.58e9)], // 1.6 G pixels claimed, 1.58 GB of zeros
  ['png-zlib-bomb.png', () => b.pngZlibBomb(1024, 2 * GiB)], // 1 MB image, IDAT inflates to 2 GiB
  ['jpeg-huge-header.jpg', () => b.jpegHugeHeader(20000, 20000)], // 8×8 JPEG claiming 20000×20000
];

for (const [name, make] of bombs) {
  const file = path.join(outDir, name);
  if (!fs.existsSync(file)) fs.writeFileSync(file, make());
}

if (own.includes('--measure')) {
  const cli = path.join(root, 'dist', 'cli', 'main.js');
  process.stdout.write('| file | size | exit | peak RSS | last line |\n|---|---|---|---|---|\n');
  for (const [name] of bombs) {
    const file = path.join(outDir, name);
    const r = spawnSync('/usr/bin/time', ['-v', process.execPath, cli, 'check', file, ...extra], { encoding: 'utf8', timeout: 600_000 });
    const err = r.stderr ?? '';
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(err);
    const status = /Exit status: (\d+)/.exec(err);
    const signal = /Command terminated by signal (\d+)/.exec(err);
    const lines = (r.stdout + err.split(/\n\s*Command being timed/)[0])
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('Command '));
    const last = (lines.at(-1) ?? '').slice(0, 140).replace(/\|/g, '\\|');
    const mb = rss ? `${(Number(rss[1]) / 1024).toFixed(0)} MB` : '?';
    const exit = signal ? `signal ${signal[1]}` : (status?.[1] ?? String(r.status));
    process.stdout.write(`| ${name} | ${fs.statSync(file).size} B | ${exit} | ${mb} | ${last} |\n`);
  }
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Sha256, sha256Hex } from './sha256.js';

test('SHA-256: the FIPS 180-4 examples', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  assert.equal(sha256Hex(enc('')), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(sha256Hex(enc('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(sha256Hex(enc('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')), '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
});

test('SHA-256 equals node:crypto for every length around the block edges, in one piece or in chunks', () => {
  let s = 7;
  const bytes = Uint8Array.from({ length: 1000 }, () => (s = (s * 16807) % 2147483647) & 255);
  for (const n of [1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 129, 1000]) {
    const data = bytes.subarray(0, n);
    const want = createHash('sha256').update(data).digest('hex');
    assert.equal(sha256Hex(data), want, `${n} bytes`);
    const h = new Sha256();
    for (let i = 0; i < n; i += 13) h.update(data.subarray(i, i + 13));
    assert.equal(h.hex(), want, `${n} bytes in chunks of 13`);
  }
});

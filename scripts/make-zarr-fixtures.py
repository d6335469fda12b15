#!/usr/bin/python3
"""Writes fixtures/zarr/: small OME-Zarr 0.4 images made by the Python reference (zarr-python
2.x + numcodecs, Debian's python3-zarr), read back by src/io/image/zarr.test.ts. Pixel values:
(z * 1000 + y * 31 + x * 7) % 65536 for z, y, x (level 1: level 0 at even y and x).

    /usr/bin/python3 scripts/make-zarr-fixtures.py   # from the repository root
"""
import os
import shutil

import numpy as np
import zarr
from numcodecs import Blosc, GZip, Zstd, Zlib

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'zarr')


def pixels(dtype):
    z, y, x = np.meshgrid(np.arange(2), np.arange(20), np.arange(24), indexing='ij')
    return ((z * 1000 + y * 31 + x * 7) % 65536).astype(dtype)


def write(name, compressor, dtype='<u2'):
    path = os.path.join(OUT, name)
    shutil.rmtree(path, ignore_errors=True)
    store = zarr.DirectoryStore(path, dimension_separator='/')
    root = zarr.group(store=store)
    data = pixels(dtype)
    levels = [data, data[:, ::2, ::2]]
    for k, level in enumerate(levels):
        root.create_dataset(str(k), data=level, chunks=(1, 8, 10), compressor=compressor, dtype=dtype)
    root.attrs['multiscales'] = [
        {
            'version': '0.4',
            'name': name,
            'axes': [
                {'name': 'z', 'type': 'space', 'unit': 'micrometer'},
                {'name': 'y', 'type': 'space', 'unit': 'micrometer'},
                {'name': 'x', 'type': 'space', 'unit': 'micrometer'},
            ],
            'datasets': [
                {'path': str(k), 'coordinateTransformations': [{'type': 'scale', 'scale': [0.5, 0.2 * 2**k, 0.2 * 2**k]}]}
                for k in range(len(levels))
            ],
        }
    ]


os.makedirs(OUT, exist_ok=True)
write('blosc.ome.zarr', Blosc(cname='zstd', clevel=3, shuffle=Blosc.BITSHUFFLE))
write('blosc-lz4.ome.zarr', Blosc(cname='lz4', clevel=5, shuffle=Blosc.SHUFFLE))
write('zstd.ome.zarr', Zstd(level=5))
write('gzip.ome.zarr', GZip(level=6))
write('zlib-bigendian.ome.zarr', Zlib(level=1), dtype='>f4')
print('wrote', sorted(os.listdir(OUT)), 'zarr', zarr.__version__)

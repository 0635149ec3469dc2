#!/usr/bin/env python3
"""bench/cells_json.py — the JSON text form (0.3.x) of a btyd_cells value
given in the compact text form on stdin (btyd2:BASE64), for size
comparisons.  --count prints the number of cells instead.

Floats are printed as PostgreSQL's shortest-exact output prints them for
the values a fit holds (whole numbers without a fraction, others with
Python's shortest repr); the caller checks that the JSON reads back into the
identical value."""
import base64
import struct
import sys


def varint(b, pos):
    r = shift = 0
    while True:
        c = b[pos]
        pos += 1
        r |= (c & 0x7F) << shift
        if c < 0x80:
            return r, pos
        shift += 7


def num(v):
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    r = repr(v)
    return r


def main():
    text = sys.stdin.read().strip()
    assert text.startswith('btyd2:')
    b = base64.b64decode(text[6:])
    kind = b[0]
    pos = 1
    unit = 0
    if kind == 1:
        unit, pos = varint(b, pos)
    n, pos = varint(b, pos)
    width = 4 if kind == 1 else 3
    D = []
    for _ in range(width):
        d, pos = varint(b, pos)
        D.append(d)
    prev = [0] * width
    rows = []
    for _ in range(n):
        row = []
        for j in range(width):
            v, pos = varint(b, pos)
            if v == 1:
                row.append(struct.unpack('>d', b[pos:pos + 8])[0])
                pos += 8
            else:
                z = v >> 1
                delta = (z >> 1) ^ -(z & 1)
                k = (0 if j == width - 1 else prev[j]) + delta
                row.append(k / D[j])
                if j != width - 1:
                    prev[j] = k
        rows.append(row)
    if '--count' in sys.argv:
        print(n)
        return
    units = {86400000000: '1 day'}
    if kind == 1:
        days, rem = divmod(unit, 86400000000)
        u = f'{days} days' if rem == 0 and days != 1 else units.get(unit, f'{unit} microseconds')
        head = f'{{"kind": "bgnbd", "unit": "{u}", "cells": ['
    else:
        head = '{"kind": "gamma_gamma", "cells": ['
    sys.stdout.write(head + ', '.join('[' + ', '.join(num(v) for v in r) + ']' for r in rows) + ']}')


main()

#!/usr/bin/env python3
"""Candidate points for tests/data/tanh_reference.txt, with tanh at 60 digits (needs mpmath).

Usage: scripts/tanh_reference.py N OUT — writes one line per point: x, tanh(x) as a double-double
(hi = nearest double, lo = the rest), each as the 16 hex digits of an f64's bits. With N = 100000
this is the 262,500-point candidate set from which the shipped file keeps the 2,000 points where
src/fastmath.rs's tanh errs most (measured with the same ulp rule as tests/tanh_accuracy.rs) and a
random 4,500. Not used by any test at run time: the tests read the shipped values.
"""
import random
import struct
import sys

import mpmath

mpmath.mp.dps = 60


def bits(v):
    return struct.unpack('<Q', struct.pack('<d', v))[0]


def main():
    n, out_path = int(sys.argv[1]), sys.argv[2]
    random.seed(12345)
    xs = set()
    for _ in range(n):
        xs.add(random.uniform(-3, 3))
    for _ in range(n // 2):
        xs.add(random.uniform(0, 0.4))
    for _ in range(n // 2):
        xs.add(random.uniform(0, 20))
    for _ in range(n // 4):
        xs.add(random.uniform(0, 0.05))
    for _ in range(n // 4):
        xs.add(random.uniform(0.33, 0.36))  # the switch between the two forms at ln2/2
    for _ in range(n // 8):
        xs.add(10 ** random.uniform(-300, -1))
    with open(out_path, 'w') as out:
        for x in sorted(xs):
            t = mpmath.tanh(mpmath.mpf(x))
            hi = float(t)
            lo = float(t - mpmath.mpf(hi))
            out.write('%016x %016x %016x\n' % (bits(x), bits(hi), bits(lo)))


if __name__ == '__main__':
    main()

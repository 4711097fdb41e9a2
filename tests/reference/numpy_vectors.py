#!/usr/bin/python3
"""numpy_vectors.py - freeze numpy's RandomState streams into a C header.

Writes tests/unit/numpy_vectors.h, the expected values for the C unit test of
the numpy-compatible MT19937 generator (BP_RNG_NUMPY).  For each seed in SEEDS,
each sequence below comes from a fresh np.random.RandomState(seed):

  raw32        first 8 raw 32-bit MT19937 outputs
  raw32_later  raw outputs number 1000..1003 (0-based), past the second
               regeneration of the 624-word state
  random_sample first 10 random_sample() doubles (53 bits: (a>>5, b>>6))
  randn        first 11 randn() values, one call each (odd count: the last
               value is the first half of a new polar pair, the cached
               second value of every pair is used in between)
  uniform      uniform(0, 1, (3, 2)), row-major

Every value is checked before it is written: a small pure-Python MT19937
(init_genrand seeding, the reference twist and tempering), the 53-bit double
construction and the legacy polar Gaussian with its cache are computed here
independently and must equal numpy's output exactly; the seeding must equal
the key array from RandomState.get_state(); and the generator must pass the
published MT19937 known answers (seed 5489: first output 3499211612, 10000th
output 4123659995).  The raw outputs are taken from numpy as
randint(0, 2**32, dtype=np.uint32), whose range 0xFFFFFFFF makes numpy return
the next 32-bit output unmasked and unrejected; the pure-Python generator
confirms that they are the raw stream.

Usage:
    /usr/bin/python3 tests/reference/numpy_vectors.py            # write header
    /usr/bin/python3 tests/reference/numpy_vectors.py --check    # compare only
"""

import argparse
import math
import os
import sys

import numpy as np

SEEDS = [0, 1, 42, 4294967295]
N_RAW, N_SAMPLE, N_RANDN, UNIFORM_SHAPE = 8, 10, 11, (3, 2)
LATER_FIRST, N_LATER = 1000, 4

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "unit", "numpy_vectors.h"))


class MT19937:
    """Matsumoto & Nishimura's mt19937ar, seeded by init_genrand."""

    N, M = 624, 397

    def __init__(self, seed):
        mt = [seed & 0xFFFFFFFF]
        for i in range(1, self.N):
            mt.append((1812433253 * (mt[i - 1] ^ (mt[i - 1] >> 30)) + i) & 0xFFFFFFFF)
        self.mt, self.mti = mt, self.N
        self.has_gauss, self.gauss = False, 0.0

    def _twist(self):
        mt, n, m = self.mt, self.N, self.M
        for i in range(n):
            y = (mt[i] & 0x80000000) | (mt[(i + 1) % n] & 0x7FFFFFFF)
            mt[i] = mt[(i + m) % n] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
        self.mti = 0

    def next32(self):
        if self.mti >= self.N:
            self._twist()
        y = self.mt[self.mti]
        self.mti += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        y ^= y >> 18
        return y

    def double(self):
        a, b = self.next32() >> 5, self.next32() >> 6
        return (a * 67108864.0 + b) / 9007199254740992.0

    def gauss_polar(self):
        if self.has_gauss:
            self.has_gauss = False
            return self.gauss
        while True:
            x1 = 2.0 * self.double() - 1.0
            x2 = 2.0 * self.double() - 1.0
            r2 = x1 * x1 + x2 * x2
            if r2 < 1.0 and r2 != 0.0:
                break
        f = math.sqrt(-2.0 * math.log(r2) / r2)
        self.gauss, self.has_gauss = f * x1, True
        return f * x2


def fail(msg):
    sys.exit("numpy_vectors.py: " + msg)


def same(name, seed, ours, theirs):
    ours, theirs = list(ours), list(theirs)
    if ours != theirs:
        fail("%s for seed %d: pure-Python %r != numpy %r" % (name, seed, ours, theirs))


def known_answers():
    g = MT19937(5489)
    first = g.next32()
    for _ in range(9998):
        g.next32()
    tenthousandth = g.next32()
    if (first, tenthousandth) != (3499211612, 4123659995):
        fail("pure-Python MT19937 fails the known answers: %d, %d"
             % (first, tenthousandth))


def vectors_for(seed):
    # Seeding: our init_genrand state must be numpy's key array.
    key = np.random.RandomState(seed).get_state()[1]
    same("seeded state", seed, MT19937(seed).mt, (int(k) for k in key))

    raw = [int(v) for v in
           np.random.RandomState(seed).randint(0, 2**32, size=N_RAW, dtype=np.uint32)]
    g = MT19937(seed)
    same("raw32", seed, (g.next32() for _ in range(N_RAW)), raw)

    rng = np.random.RandomState(seed)
    later_np = [int(v) for v in
                rng.randint(0, 2**32, size=LATER_FIRST + N_LATER, dtype=np.uint32)]
    later = later_np[LATER_FIRST:]
    g = MT19937(seed)
    same("raw32_later", seed,
         [g.next32() for _ in range(LATER_FIRST + N_LATER)][LATER_FIRST:], later)

    rng = np.random.RandomState(seed)
    sample = [float(rng.random_sample()) for _ in range(N_SAMPLE)]
    g = MT19937(seed)
    same("random_sample", seed, (g.double() for _ in range(N_SAMPLE)), sample)

    rng = np.random.RandomState(seed)
    randn = [float(rng.randn()) for _ in range(N_RANDN)]
    g = MT19937(seed)
    same("randn", seed, (g.gauss_polar() for _ in range(N_RANDN)), randn)
    # The same stream through one array call, as the weights are drawn.
    same("randn(11) array", seed, randn,
         (float(v) for v in np.random.RandomState(seed).randn(N_RANDN)))

    uni = [float(v) for v in
           np.random.RandomState(seed).uniform(0, 1, UNIFORM_SHAPE).ravel()]
    g = MT19937(seed)
    same("uniform", seed,
         (0.0 + (1.0 - 0.0) * g.double() for _ in range(len(uni))), uni)

    return {"seed": seed, "raw32": raw, "raw32_later": later,
            "random_sample": sample, "randn": randn, "uniform": uni}


def c_doubles(values):
    out = []
    for v in values:
        s = "%.17g" % v
        if float(s) != v:
            fail("%.17g does not round-trip" % v)
        out.append(s)
    return ", ".join(out)


def render(cases):
    lines = [
        "/* numpy_vectors.h - numpy RandomState streams for the MT19937 unit test.",
        " *",
        " * GENERATED by tests/reference/numpy_vectors.py with numpy %s;"
        % np.__version__,
        " * do not edit by hand: rerun",
        " *     /usr/bin/python3 tests/reference/numpy_vectors.py",
        " * Each sequence comes from a fresh np.random.RandomState(seed):",
        " *   raw32          first %d raw 32-bit outputs" % N_RAW,
        " *   raw32_later    raw outputs %d..%d (0-based), after the second twist"
        % (LATER_FIRST, LATER_FIRST + N_LATER - 1),
        " *   random_sample  first %d random_sample() values" % N_SAMPLE,
        " *   randn          first %d randn() values (legacy polar method, cached"
        % N_RANDN,
        " *                  second value; odd count)",
        " *   uniform        uniform(0, 1, (%d, %d)) in row-major order"
        % UNIFORM_SHAPE,
        " * The script checked every value against its own pure-Python MT19937. */",
        "#ifndef BP_TESTS_NUMPY_VECTORS_H",
        "#define BP_TESTS_NUMPY_VECTORS_H",
        "",
        "#include <stddef.h>",
        "#include <stdint.h>",
        "",
        "#define NV_NRAW %d" % N_RAW,
        "#define NV_LATER_FIRST %d" % LATER_FIRST,
        "#define NV_NLATER %d" % N_LATER,
        "#define NV_NSAMPLE %d" % N_SAMPLE,
        "#define NV_NRANDN %d" % N_RANDN,
        "#define NV_UNIFORM_ROWS %d" % UNIFORM_SHAPE[0],
        "#define NV_UNIFORM_COLS %d" % UNIFORM_SHAPE[1],
        "",
        "typedef struct {",
        "    uint32_t seed;",
        "    uint32_t raw32[NV_NRAW];",
        "    uint32_t raw32_later[NV_NLATER];",
        "    double random_sample[NV_NSAMPLE];",
        "    double randn[NV_NRANDN];",
        "    double uniform[NV_UNIFORM_ROWS * NV_UNIFORM_COLS];",
        "} nv_case;",
        "",
        "static const nv_case nv_cases[] = {",
    ]
    for c in cases:
        lines += [
            "    { %du," % c["seed"],
            "      { %s }," % ", ".join("%du" % v for v in c["raw32"]),
            "      { %s }," % ", ".join("%du" % v for v in c["raw32_later"]),
            "      { %s }," % c_doubles(c["random_sample"]),
            "      { %s }," % c_doubles(c["randn"]),
            "      { %s } }," % c_doubles(c["uniform"]),
        ]
    lines += [
        "};",
        "",
        "#define NV_NCASES (sizeof nv_cases / sizeof nv_cases[0])",
        "",
        "#endif",
        "",
    ]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--output", default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true",
                    help="exit 1 unless --output already holds this text")
    args = ap.parse_args()

    known_answers()
    text = render([vectors_for(s) for s in SEEDS])
    if args.check:
        try:
            with open(args.output) as f:
                current = f.read()
        except OSError as e:
            fail(str(e))
        if current != text:
            fail("%s is out of date (or was edited); rerun without --check"
                 % args.output)
        return 0
    with open(args.output, "w") as f:
        f.write(text)
    print("wrote %s (numpy %s)" % (args.output, np.__version__))
    return 0


if __name__ == "__main__":
    sys.exit(main())

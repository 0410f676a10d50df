#!/usr/bin/env python3
"""Writes a tiny CIFAR-10 binary fixture (the real data set cannot be fetched here).

Layout as in cifar-10-batches-bin: data_batch_1.bin .. data_batch_5.bin, test_batch.bin and
batches.meta.txt. Each record is 1 label byte + 3072 pixel bytes (1024 red values row-major,
then green, then blue). Record r of file f (f = 1..5 for the training batches, 6 for the test
batch) has label (3 f + r) % 10 and pixel byte (7 f + 13 r + 5 c + 3 y + x) % 256 at channel c,
row y, column x, so a reader test can recompute every value. Training batch f holds f % 2 + 1
records, the test batch 2.

Usage: python3 src/scripts/write_cifar10_fixture.py src/test/resources/org/lde/data/cifar10
"""
import os
import sys


def record(f, r):
    label = (3 * f + r) % 10
    out = bytearray([label])
    for c in range(3):
        for y in range(32):
            for x in range(32):
                out.append((7 * f + 13 * r + 5 * c + 3 * y + x) % 256)
    return bytes(out)


def main(folder):
    os.makedirs(folder, exist_ok=True)
    for f in range(1, 7):
        name = "test_batch.bin" if f == 6 else "data_batch_%d.bin" % f
        count = 2 if f == 6 else f % 2 + 1
        with open(os.path.join(folder, name), "wb") as out:
            for r in range(count):
                out.write(record(f, r))
    names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    with open(os.path.join(folder, "batches.meta.txt"), "w", newline="\n") as out:
        out.write("\n".join(names) + "\n\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/org/lde/data/cifar10")

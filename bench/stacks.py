"""Summarise a py-spy raw profile (collapsed stacks): the functions that hold the samples.

    python -m bench.stacks /tmp/prof.product.txt [--top 40] [--thread-filter TEXT]

Prints per thread the share of samples, then the functions by samples on the stack
(inclusive) and at the top of the stack (self). Idle waits (Condition.wait, select) are
samples too: compare a function's count with its thread's total.
"""

import argparse
import collections
import re

SHORTEN = re.compile(r" \((?:/[^ ]*?/site-packages/|/[^ ]*?/lib/python3\.\d+/)")


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench.stacks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument(
        "--contains", default="", help="only stacks with a frame containing this text"
    )
    args = parser.parse_args(argv)
    own, inclusive, threads = collections.Counter(), collections.Counter(), collections.Counter()
    total = 0
    with open(args.file) as lines:
        for line in lines:
            stack, _, count = line.rstrip().rpartition(" ")
            if not stack or (args.contains and args.contains not in stack):
                continue
            count = int(count)
            total += count
            frames = [SHORTEN.sub(" (", f) for f in stack.split(";")]
            threads[frames[0]] += count
            own[frames[-1]] += count
            for frame in set(frames):
                inclusive[frame] += count
    print(f"samples: {total}")
    for name, count in threads.most_common(6):
        print(f"thread {count:6d} {100 * count / total:5.1f}%  {name[:100]}")
    print("-- inclusive")
    for name, count in inclusive.most_common(args.top):
        print(f"{count:6d} {100 * count / total:5.1f}%  {name[:140]}")
    print("-- self")
    for name, count in own.most_common(args.top // 2):
        print(f"{count:6d} {100 * count / total:5.1f}%  {name[:140]}")


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:  # piped into head
        pass

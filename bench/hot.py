"""Sum py-spy's collapsed stacks (``--format raw``) by function: where the workers' time
goes. ``python -m bench.hot FILE [--top 40] [--match services.]``: inclusive share of each
frame (a function counted once per sample however deep it recurs), and the self share."""

from __future__ import annotations

import argparse
import re
from collections import Counter


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--match", default="", help="only frames whose text contains this")
    args = parser.parse_args(argv)
    inclusive, own = Counter(), Counter()
    total = 0
    for line in open(args.file, encoding="utf-8", errors="replace"):
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        if frames and "idle" in frames[-1]:
            continue
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    print(f"{total} samples")
    for frame, n in inclusive.most_common():
        if args.match in frame:
            print(f"{100 * n / total:5.1f}% incl {100 * own[frame] / total:5.1f}% self  {frame}")
            args.top -= 1
            if args.top == 0:
                break


if __name__ == "__main__":
    main()

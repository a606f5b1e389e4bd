"""Sum py-spy's collapsed stacks (``--format raw``) by function: where the workers' time
goes. ``python -m bench.hot FILE [--top 40] [--match services.]``: inclusive share of each
frame (a function counted once per sample however deep it recurs), and the self share.

``--layers``: each sample's time given to one layer of the request (:func:`layer_of`): the
table of ``docs/performance.md``'s request profiles."""

from __future__ import annotations

import argparse
import re
from collections import Counter

#: Layers that are a purpose of the request: a sample is theirs if any frame of its stack
#: holds one of their marks (frames as py-spy writes them, "function (package/file.py:n)"),
#: so the marshmallow and SQLAlchemy work of building an envelope counts as the envelope.
PURPOSES = (
    ("event envelope (build and check the payload)", ("(shared/events/",)),
    ("JWT verification", ("(jwt/", "(cryptography/", "verify_token")),
    ("logging and metrics", ("(logging/", "(shared/observability.py", "(prometheus_client/")),
    # (webargs and flask-smorest wrap the view: they are below, by the innermost frame)
    ("validation and serialization (marshmallow, webargs)", ("(marshmallow/",)),
)
#: The other samples go to the library of their innermost frame that names one.
LIBRARIES = (
    ("database driver (psycopg, network)", ("(psycopg/", "(psycopg_pool/", "(psycopg2/")),
    ("SQLAlchemy (ORM, Core, compile, pool)", ("(sqlalchemy/",)),
    ("validation and serialization (marshmallow, webargs)", ("(webargs/",)),
    ("Flask, flask-smorest, werkzeug", ("(flask/", "(flask_smorest/", "(werkzeug/")),
    ("gunicorn (HTTP parsing, worker loop)", ("(gunicorn/",)),
    ("the service's own code", ("(services/", "(shared/")),
)


def layer_of(frames: list[str]) -> str:
    for layer, marks in PURPOSES:
        if any(mark in frame for frame in frames for mark in marks):
            return layer
    for frame in reversed(frames):
        for layer, marks in LIBRARIES:
            if any(mark in frame for mark in marks):
                return layer
    return "other (interpreter, standard library)"


def layers(path: str) -> list[tuple[str, int]]:
    """Samples per layer of the stacks in ``path`` (idle samples left out)."""
    counts: Counter = Counter()
    for line in open(path, encoding="utf-8", errors="replace"):
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")
        if frames and "idle" in frames[-1]:
            continue
        counts[layer_of(frames)] += int(count)
    return counts.most_common()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--match", default="", help="only frames whose text contains this")
    parser.add_argument("--layers", action="store_true", help="the share of each layer")
    args = parser.parse_args(argv)
    if args.layers:
        counted = layers(args.file)
        total = sum(n for _, n in counted) or 1
        print(f"{total} samples")
        for layer, n in counted:
            print(f"{100 * n / total:5.1f}%  {layer}")
        return
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

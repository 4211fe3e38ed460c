"""The cost of bounding and checking a JSON body before and after it is parsed (casework.api):
the depth scan of the raw bytes, the text gate (a regular expression over the raw bytes: only a
body it matches is walked) and the walk of the text rule over every string, against json.loads.

    python bench/bench_input.py

Bodies: a typical case create (~1 KB), a 4 MiB body of shallow lists (the most brackets a body
under MAX_CONTENT_LENGTH can hold), 4 MiB of backslash escapes and quotes (the worst for the
string cutting), 4 MiB of one long string, and 100,000 levels of nesting (refused at level 65).
"""

from __future__ import annotations

import json
import time

from casework.api import _MAYBE_BAD_TEXT, json_depth_exceeds, text_errors

MIB = 4 * 1024 * 1024
TYPICAL = json.dumps(
    {
        "given_names": "Ana María",
        "family_names": "Ruiz Pérez",
        "aliases": ["Anita", "A. Ruiz"],
        "nationality": "SV",
        "languages": ["es"],
        "route_countries": ["GT", "MX"],
        "circumstances": "Left Usulután in March with two cousins. " * 20,
        "protection_flags": [{"kind": "country", "value": "SV", "reason": "Fear of return"}],
    }
).encode()
BODIES = {
    "typical case create": TYPICAL,
    "4 MiB of [[],[],...]": b"[" + b"[]," * (MIB // 3 - 1) + b"[]]",
    '4 MiB of \\" escapes': b'["' + b'\\"' * (MIB // 2 - 2) + b'"]',
    "4 MiB string": b'{"circumstances": "' + b"x" * (MIB - 22) + b'"}',
    "100,000 levels": b"[" * 100_000 + b"]" * 100_000,
}


def timed(fn, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat * 1000


def main() -> None:
    head = ("body", "bytes", "depth scan ms", "json.loads ms", "text gate ms", "text walk ms")
    print(f"{head[0]:24} {head[1]:>9} {head[2]:>14} {head[3]:>14} {head[4]:>13} {head[5]:>13}")
    for name, body in BODIES.items():
        repeat = 2000 if len(body) < 10_000 else 3
        scan = timed(lambda b=body: json_depth_exceeds(b), repeat)
        if json_depth_exceeds(body):
            loads = gate = rule = float("nan")
        else:
            data = json.loads(body)
            loads = timed(lambda b=body: json.loads(b), repeat)
            gate = timed(lambda b=body: _MAYBE_BAD_TEXT.search(b), repeat)
            rule = timed(lambda d=data: text_errors(d), repeat)
        print(f"{name:24} {len(body):>9} {scan:>14.3f} {loads:>14.3f} {gate:>13.3f} {rule:>13.3f}")


if __name__ == "__main__":
    main()

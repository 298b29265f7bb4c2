"""Wall time of a one-line query against its floor (importing Typer) and against tf.keras.

    python bench/benchmark.py [--runs 30]

Runs each command as a fresh process, `--runs` times (tf.keras: a few times; it is
slow), after one warm-up run, and prints the medians as a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import timeit

PY = os.environ.get("BENCH_PYTHON", sys.executable)
QUERY = ["layer", "gru", "--units", "75", "--input-dim", "28"]
KERAS = (
    "import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'\n"
    "import tensorflow as tf\n"
    "m = tf.keras.Sequential([tf.keras.Input((None, 28)), tf.keras.layers.GRU(75)])\n"
    "print(m.count_params())"
)


def cli() -> list[str]:
    script = shutil.which("gru-params", path=os.path.dirname(PY)) or shutil.which("gru-params")
    return [script] if script else [PY, "-m", "gru_params"]


def median_seconds(command: list[str], runs: int) -> float:
    subprocess.run(command, check=True, capture_output=True)  # warm the file cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keras-runs", type=int, default=3)
    parser.add_argument("--no-keras", action="store_true", help="skip the tf.keras comparison")
    args = parser.parse_args()

    rows = [
        ("`python -c pass`", median_seconds([PY, "-c", "pass"], args.runs)),
        ("`python -c 'import typer'` (the floor)", median_seconds([PY, "-c", "import typer"], args.runs)),
        ("`gru-params layer gru --units 75 --input-dim 28`", median_seconds(cli() + QUERY, args.runs)),
        ("the same with `--format json`", median_seconds(cli() + QUERY + ["--format", "json"], args.runs)),
    ]
    if not args.no_keras:
        rows.append(("tf.keras: build `GRU(75)` on 28 features, `count_params()`",
                     median_seconds([PY, "-c", KERAS], args.keras_runs)))
    floor, query = rows[1][1], rows[2][1]

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from gru_params import count_layer

    n = 2000
    per_call = timeit.timeit(lambda: count_layer("gru", 75, 28), number=n) / n

    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores; "
          f"median of {args.runs} runs ({args.keras_runs} for tf.keras)\n")
    print("| command | median | vs. the floor | vs. the query |")
    print("| --- | ---: | ---: | ---: |")
    for name, seconds in rows:
        print(f"| {name} | {seconds * 1000:.0f} ms | {seconds / floor:.2f}x | {seconds / query:.2f}x |")
    print(f"\nIn process, `count_layer('gru', 75, 28)` takes {per_call * 1e6:.0f} µs.")


if __name__ == "__main__":
    main()

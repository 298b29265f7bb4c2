"""The figures the README quotes, measured in one run.

    python bench/benchmark.py [--runs 30] [--no-keras]

1. A one-line `layer` query against its floor (importing Typer) and against tf.keras:
   each command a fresh process, `--runs` times after a warm-up; medians.
2. `check` over 2,000 small specs (copies of specs/*.yaml) against only parsing the same
   files with libyaml, in process; and the `check` command's wall time.
3. `summary` of a 10,000-layer spec, table and JSON: the command's wall time.
4. Saved Keras models and functional specs: `summary` of a .keras archive, a to_json() file
   and the YAML spec of the same model, against loading the archive in tf.keras; and a
   10,000-layer functional spec (a residual graph).
5. Hostile input at the bounds (README, Bounds): the slowest files that pass the size checks,
   each refused; wall time and peak memory of the command.
6. A 500 MB PyTorch checkpoint (a state_dict, zip format) and the same tensors as .safetensors:
   `summary`, which reads their index only, against `torch.load` of the same file; wall time
   and peak memory (skipped with --no-torch).
"""

from __future__ import annotations

import argparse
import glob
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import timeit

PY = os.environ.get("BENCH_PYTHON", sys.executable)  # the gru-params under test (a regular install)
TF_PY = sys.executable  # the one with tensorflow
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


def median_seconds(command: list[str], runs: int, check: bool = True) -> float:
    return interleaved([command], runs, check)[0]


def interleaved(commands: list[list[str]], runs: int, check: bool = True) -> list[float]:
    """Median wall time of each command, run in rounds (one run of each a round), so that
    the machine's drift over time weighs on all of them alike."""
    for command in commands:  # warm the file cache
        subprocess.run(command, check=check, capture_output=True)
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for i, command in enumerate(commands):
            start = time.perf_counter()
            subprocess.run(command, check=check, capture_output=True)
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keras-runs", type=int, default=3)
    parser.add_argument("--no-keras", action="store_true", help="skip the tf.keras comparison")
    parser.add_argument("--no-torch", action="store_true", help="skip the 500 MB checkpoint")
    args = parser.parse_args()

    names = ["`python -c pass`", "`python -c 'import typer'` (the floor)",
             "`gru-params layer gru --units 75 --input-dim 28`", "the same with `--format json`",
             "the same with `--seq-len 100 --batch 32` (its MACs)"]
    commands = [[PY, "-c", "pass"], [PY, "-c", "import typer"], cli() + QUERY, cli() + QUERY + ["--format", "json"],
                cli() + QUERY + ["--seq-len", "100", "--batch", "32"]]
    rows = list(zip(names, interleaved(commands, args.runs)))
    if not args.no_keras:
        rows.append(("tf.keras: build `GRU(75)` on 28 features, `count_params()`",
                     median_seconds([TF_PY, "-c", KERAS], args.keras_runs)))
    floor, query = rows[1][1], rows[2][1]

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from gru_params import count_layer

    from gru_params import formulas

    def uncached():  # count_layer keeps an lru_cache behind its checks
        formulas._count.cache_clear()
        count_layer("gru", 75, 28)

    n = 2000
    per_call = timeit.timeit(uncached, number=n) / n

    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores; "
          f"median of {args.runs} runs ({args.keras_runs} for tf.keras)\n")
    print("| command | median | vs. the floor | vs. the query |")
    print("| --- | ---: | ---: | ---: |")
    for name, seconds in rows:
        print(f"| {name} | {seconds * 1000:.0f} ms | {seconds / floor:.2f}x | {seconds / query:.2f}x |")
    print(f"\nIn process, `count_layer('gru', 75, 28)` takes {per_call * 1e6:.0f} µs.")
    models(max(5, args.runs // 5))
    saved(max(5, args.runs // 3), args.keras_runs, not args.no_keras)
    hostile(max(3, args.runs // 10))
    if not args.no_torch:
        checkpoints(max(3, args.runs // 5))


def _libyaml_reads(path: str, loader) -> bool:
    import yaml

    try:
        with open(path) as f:
            yaml.load(f.read(), Loader=loader)
        return True
    except yaml.YAMLError:
        return False


def models(runs: int) -> None:
    import yaml

    from gru_params.check import check_file, spec_files

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    # the specs libyaml alone reads (not seq2seq's `[encoder[1], encoder[2]]`), so that the floor is fair,
    # and that list their layers (a `source:` spec is a checkpoint's summary: measured apart)
    sources = [p for p in sorted(glob.glob(os.path.join(root, "specs", "*.yaml")))
               if _libyaml_reads(p, loader) and "source" not in yaml.load(open(p).read(), Loader=loader)]
    folder = tempfile.mkdtemp(prefix="gru-params-bench-")
    for i in range(2000):
        with open(sources[i % len(sources)]) as src, open(os.path.join(folder, f"spec_{i:04d}.yaml"), "w") as out:
            out.write(src.read())
    files = spec_files([folder])

    def parse_only():
        for f in files:
            with open(f, "rb") as fh:
                yaml.load(fh.read(), Loader=loader)

    def check_all():
        assert all(check_file(f).ok for f in files)

    parse = min(timeit.repeat(parse_only, number=1, repeat=runs))
    check = min(timeit.repeat(check_all, number=1, repeat=runs))
    check_cli = median_seconds(cli() + ["check", folder, "--format", "json"], runs)

    big = os.path.join(folder, "big.yaml")
    with open(big, "w") as f:
        f.write("input: [100, 32]\nlayers:\n")
        kinds = ["  - LSTM: {units: 32, return_sequences: true}\n", "  - Dense: {units: 32}\n",
                 "  - Dropout: {rate: 0.1}\n", "  - Bidirectional: {layer: {GRU: {units: 16, return_sequences: true}}}\n"]
        f.writelines(kinds[i % 4] for i in range(10_000))
    table, as_json, cost = interleaved([cli() + ["summary", big], cli() + ["summary", big, "--format", "json"],
                                        cli() + ["summary", big, "--batch", "32", "--format", "json"]], runs)

    print(f"\nModel specs (best of {runs} in process, median of {runs} for commands):\n")
    print("| measurement | time | ratio |")
    print("| --- | ---: | ---: |")
    print(f"| parse 2,000 small specs with libyaml only | {parse * 1000:.0f} ms | 1.00x |")
    print(f"| `check_file` on the same 2,000, in process | {check * 1000:.0f} ms | {check / parse:.2f}x |")
    print(f"| `gru-params check` on the folder (a fresh process) | {check_cli * 1000:.0f} ms | {check_cli / parse:.2f}x |")
    print(f"| `gru-params summary` of a 10,000-layer spec, table | {table * 1000:.0f} ms | |")
    print(f"| the same, `--format json` | {as_json * 1000:.0f} ms | |")
    print(f"| the same with its cost, `--batch 32 --format json` (MACs, memory) | {cost * 1000:.0f} ms | |")


LOAD_KERAS = (
    "import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'\n"
    "import tensorflow as tf\n"
    "m = tf.keras.models.load_model('examples/mnist_gru.keras')\n"
    "print(m.count_params())"
)


def _big_saved_model(source: str, n: int) -> str:
    """A to_json() file with `n` more Dense layers chained after the model's last one."""
    import copy
    import json

    with open(source) as f:
        config = json.load(f)
    layers = config["config"]["layers"]
    last = layers[-1]
    previous = last["name"]
    for i in range(n):
        layer = copy.deepcopy(last)
        layer["name"] = layer["config"]["name"] = f"dense_{i}"
        layer["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = [previous, 0, 0]
        layers.append(layer)
        previous = layer["name"]
    config["config"]["output_layers"] = [previous, 0, 0]
    return json.dumps(config)


def saved(runs: int, keras_runs: int, keras: bool) -> None:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.chdir(root)
    h5 = "tests/golden/saved/functional_000"
    names = ["`gru-params summary specs/mnist_gru.yaml`", "`gru-params summary examples/mnist_gru.keras`",
             "`gru-params summary examples/seq2seq.json`", "`gru-params convert examples/mnist_gru.keras`",
             f"`gru-params summary {h5}.keras`", "the same model as `.h5` (read by a child process with h5py)",
             "`gru-params summary examples/translator.pt` (a state_dict)", "`gru-params summary examples/translator.onnx`"]
    commands = [cli() + ["summary", "specs/mnist_gru.yaml"], cli() + ["summary", "examples/mnist_gru.keras"],
                cli() + ["summary", "examples/seq2seq.json"], cli() + ["convert", "examples/mnist_gru.keras"],
                cli() + ["summary", f"{h5}.keras"], cli() + ["summary", f"{h5}.h5"],
                cli() + ["summary", "examples/translator.pt"], cli() + ["summary", "examples/translator.onnx"]]
    rows = list(zip(names, interleaved(commands, runs)))
    if keras:
        rows.append(("tf.keras: `load_model('examples/mnist_gru.keras')`, `count_params()`",
                     median_seconds([TF_PY, "-c", LOAD_KERAS], keras_runs)))
    folder = tempfile.mkdtemp(prefix="gru-params-bench-")
    big = os.path.join(folder, "big_graph.yaml")
    with open(big, "w") as f:  # blocks of LSTM, Dense, and an Add of the two: a graph, not a chain
        f.write("inputs:\n  x: [100, 32]\nlayers:\n")
        previous = "x"
        for i in range(2_500):
            f.write(f"  - LSTM: {{units: 32, return_sequences: true, name: l{i}}}\n    inputs: {previous}\n"
                    f"  - Dense: {{units: 32, name: d{i}}}\n  - Dropout: {{rate: 0.1, name: o{i}}}\n"
                    f"  - Add: {{name: a{i}}}\n    inputs: [l{i}, o{i}]\n")
            previous = f"a{i}"
    table, as_json = interleaved([cli() + ["summary", big], cli() + ["summary", big, "--format", "json"]], runs)
    rows += [("`gru-params summary` of a 10,000-layer functional spec, table", table), ("the same, `--format json`", as_json)]
    big_saved = os.path.join(folder, "big_saved.json")
    with open(big_saved, "w") as f:
        f.write(_big_saved_model(os.path.join(root, "examples", "seq2seq.json"), 10_000))
    size = os.path.getsize(big_saved) / 2**20
    rows.append((f"`gru-params summary` of a saved 10,000-layer model ({size:.1f} MiB of JSON)",
                 median_seconds(cli() + ["summary", big_saved], max(3, runs // 3))))
    yaml_time = rows[0][1]
    print(f"\nSaved models and functional specs (medians of {runs}):\n")
    print("| command | median | vs. the YAML spec |")
    print("| --- | ---: | ---: |")
    for name, seconds in rows:
        print(f"| {name} | {seconds * 1000:,.0f} ms | {seconds / yaml_time:.2f}x |")


# Runs a command and prints the peak memory of that command alone (its own children's maximum)
PEAK = ("import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], capture_output=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def hostile(runs: int) -> None:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from gru_params.limits import MAX_BYTES

    folder = tempfile.mkdtemp(prefix="gru-params-bench-")
    files = {}

    def write(name: str, text: str) -> str:
        files[name] = os.path.join(folder, name.split("`")[1])
        with open(files[name], "w") as f:
            f.write(text)
        return files[name]

    write("16 MiB of one-word layers, `tiny.yaml`", "input: [4]\nlayers:\n" + "  - Flatten\n" * ((MAX_BYTES - 30) // 12))
    write("a config of 16 MiB of numbers, over the 2,000,000 values, `values.json`",
          '{"class_name": "Sequential", "config": {"layers": [' + ",".join(["1"] * (MAX_BYTES // 2 - 40)) + "]}}")
    bomb = ["input: [4]", "l0: &l0 {Dense: {units: 1}}"]
    bomb += [f"l{i}: &l{i} {{Sequential: {{layers: [*l{i - 1}, *l{i - 1}]}}}}" for i in range(1, 40)]
    write("an alias bomb: 2**40 nested layers in 1.6 KB, `bomb.yaml`", "\n".join(bomb) + "\nlayers: [*l39]\n")
    write("the same bomb in a `.json` file, `bomb.json`", "\n".join(bomb) + "\nlayers: [*l39]\n")
    print(f"\nHostile input at the bounds, each refused (medians of {runs}; peak memory of the command):\n")
    print("| input | time | peak memory |")
    print("| --- | ---: | ---: |")
    for name, path in files.items():
        seconds = median_seconds(cli() + ["summary", path], runs, check=False)
        peak = subprocess.run([PY, "-c", PEAK, *cli(), "summary", path], capture_output=True, text=True).stdout
        size = os.path.getsize(path) / 2**20
        print(f"| {name} ({size:.1f} MiB) | {seconds * 1000:,.0f} ms | {int(peak) / 1024:,.0f} MB |")


# A 500 MB state_dict: a 32,000 x 2,048 embedding and a two-layer LSTM of 2,048 units (float32)
MAKE_CHECKPOINT = ("import sys, torch\n"
                   "from safetensors.torch import save_file\n"
                   "m = torch.nn.ModuleDict({'embedding': torch.nn.Embedding(32000, 2048),\n"
                   "                         'encoder': torch.nn.LSTM(2048, 2048, num_layers=2)})\n"
                   "torch.save(m.state_dict(), sys.argv[1])\n"
                   "save_file(m.state_dict(), sys.argv[2])\n")
TORCH_LOAD = ("import sys, torch\n"
              "sd = torch.load(sys.argv[1], weights_only=True)\n"
              "print(sum(t.numel() for t in sd.values()))\n")


def checkpoints(runs: int) -> None:
    folder = tempfile.mkdtemp(prefix="gru-params-bench-")
    pt, st = os.path.join(folder, "big.pt"), os.path.join(folder, "big.safetensors")
    subprocess.run([TF_PY, "-c", MAKE_CHECKPOINT, pt, st], check=True)
    size = os.path.getsize(pt) / 1e6
    commands = {f"`gru-params summary big.pt` ({size:,.0f} MB state_dict)": cli() + ["summary", pt],
                "`gru-params summary big.safetensors` (the same tensors)": cli() + ["summary", st],
                "`torch.load(big.pt, weights_only=True)`, count": [TF_PY, "-c", TORCH_LOAD, pt]}
    times = interleaved(list(commands.values()), runs)
    print(f"\nA {size:,.0f} MB checkpoint (medians of {runs}; peak memory of the command):\n")
    print("| command | time | peak memory |")
    print("| --- | ---: | ---: |")
    for (name, command), seconds in zip(commands.items(), times):
        peak = subprocess.run([PY, "-c", PEAK, *command], capture_output=True, text=True).stdout
        print(f"| {name} | {seconds * 1000:,.0f} ms | {int(peak) / 1024:,.0f} MB |")
    shutil.rmtree(folder)


if __name__ == "__main__":
    main()

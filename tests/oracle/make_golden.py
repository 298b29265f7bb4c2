"""Regenerate the golden files from real tf.keras, PyTorch, Flax and ONNX.

    pip install -e ".[test]" && python tests/oracle/make_golden.py [layers] [models] [torch] [flax] [onnx]

tests/golden/keras_layers.json: the reference layers of the README and 320 random ones
(all kinds, sizes 1 to 1,000, use_bias, reset_after, Bidirectional with every merge
mode), with what Keras built: count_params(), every weight's path and shape, the
output shapes.

tests/golden/keras_models.json: 160 random Sequential models (every layer the specs
support, random stacks, options and frozen layers), each with its spec, every summary
row (name, type, output shape, params), the totals and the summaries Keras printed.

tests/golden/keras_functional.json: 60 random functional models (six of each template in
oracle/keras_functional.py: seq2seq with initial states, two inputs and two heads, attention,
multi-head attention, residual merges, ...), each with its spec, every row with its
`Connected to`, the totals, the printed summaries and `model.to_json()`. Three of them are
also kept as saved by Keras, in tests/golden/saved/ (.keras and .h5).

tests/golden/keras_catalogue.json: every keras.layers class the engine supports beyond the
recurrent models' layers, six random cases of each (plain, frozen, inside TimeDistributed;
oracle/keras_catalogue.py), with every row, the totals, the printed summaries, each
weight's path, shape and trainable flag, and the model's to_json().

tests/golden/keras2/: two specs of specs/ as Keras 2 (tf_keras) writes them to JSON, and two
models that only Keras 2's rules count right (a frozen Bidirectional, and one over a layer
with go_backwards).

examples/mnist_gru.keras and examples/seq2seq.json: two specs of specs/ as Keras saves them,
for the README's examples of reading saved models.

tests/golden/{torch,flax,onnx}_layers.json: 240 random torch.nn RNN / LSTM / GRU modules
(named_parameters), 60 random sizes of each flax.linen cell (the parameter tree: SimpleCell,
LSTMCell, OptimizedLSTMCell, GRUCell, MGUCell with either reset_gate, ConvLSTMCell with
1- to 3-D kernel sizes and either use_bias; some of each bidirectional), and
40 torch modules exported with torch.onnx.export (each operator node's W, R, B).

tests/golden/checkpoints/ and tests/golden/checkpoints.json: 32 random torch models of real
torch.nn modules nested as real models nest them (oracle/torch_checkpoints.py), each saved four
ways (torch.save zip and legacy, safetensors, a training checkpoint with Adam's state), with
what torch says of them: the totals, and per module path its count, tensors, buffers and dtypes.

tests/golden/torchinfo_models.json: 200 random PyTorch specs of every module
gru-params takes, built in torch, counted with parameters(), their named_parameters listed,
and summarized by torchinfo (plain and verbose=2) where nn.Sequential can run them.

examples/translator.pt, .safetensors and .onnx: one small torch model (oracle/torch_example.py)
saved three ways, for the README's checkpoint examples (written with the `examples` ones).

tests/golden/macs.json: 100 random nn.RNN / LSTM / GRU modules run on random batches and
lengths under torch.utils.flop_counter.FlopCounterMode (LSTM with oneDNN off, which hides its
products), the flops torch counts for each.

Four more have their own scripts, run from here by name (each module's docstring says how):
`flax_macs` (tests/oracle/flax_macs.py: XLA's count of each product of real Flax cells),
`model_macs` (tests/oracle/model_macs.py: FlopCounterMode over whole Keras-on-torch and torch
models), `activations` (tests/oracle/activations.py: the bytes torch saves for backward) and
`solve_cases` (tests/oracle/solve_cases.py: the largest layers within budgets, found by building
tf.keras and torch layers).
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.oracle import frameworks, keras_catalogue, keras_functional, keras_models, torch_models  # noqa: E402
from tests.oracle.keras_layers import describe, random_case, versions  # noqa: E402

SEED = 20261123
N_RANDOM = 320
N_MODELS = 160
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
OUT = GOLDEN / "keras_layers.json"

# The answers the README quotes, kept in the file by name.
REFERENCE = {
    "gru_75_28": {"kind": "gru", "units": 75, "input_dim": 28, "reset_after": True},
    "gru_75_28_reset_before": {"kind": "gru", "units": 75, "input_dim": 28, "reset_after": False},
    "lstm_75_28": {"kind": "lstm", "units": 75, "input_dim": 28, "reset_after": None},
    "simplernn_32_32": {"kind": "simplernn", "units": 32, "input_dim": 32, "reset_after": None},
}


def main() -> None:
    which = sys.argv[1:] or ["layers", "models", "functional", "catalogue", "examples", "keras2", "keras2_catalogue",
                             "torch", "flax", "onnx", "torchinfo", "checkpoints", "macs", "flax_macs", "model_macs",
                             "activations", "solve_cases"]
    if "examples" in which:
        make_examples()
    if "keras2" in which:
        make_keras2()
    if "keras2_catalogue" in which:
        make_keras2_catalogue()
    if "functional" in which:
        make_functional()
    if "catalogue" in which:
        make_catalogue()
    if "layers" in which:
        make_layers()
    if "models" in which:
        make_models()
    if "torch" in which:
        rng = random.Random(SEED + 2)
        _write("torch_layers.json", SEED + 2, [frameworks.describe_torch(frameworks.random_torch_case(rng)) for _ in range(240)])
    if "flax" in which:
        rng = random.Random(SEED + 3)
        cases = [frameworks.random_flax_case(rng, kind) for kind in frameworks.FLAX_CELLS for _ in range(60)]
        _write("flax_layers.json", SEED + 3, [frameworks.describe_flax(c) for c in cases])
    if "torchinfo" in which:
        rng = random.Random(SEED + 5)
        _write("torchinfo_models.json", SEED + 5,
               [torch_models.describe(torch_models.random_spec(rng, f"torch_{i:03d}")) for i in range(200)])
    if "checkpoints" in which:
        make_checkpoints()
    if "onnx" in which:
        rng = random.Random(SEED + 4)
        _write("onnx_layers.json", SEED + 4, [frameworks.describe_onnx_export(frameworks.random_onnx_case(rng)) for _ in range(40)])
    if "macs" in which:
        make_macs()
    for name in ("flax_macs", "model_macs", "activations", "solve_cases"):  # each its own script and process
        if name in which:  # (model_macs sets KERAS_BACKEND=torch, which must precede any Keras import)
            import subprocess

            subprocess.run([sys.executable, "-m", f"tests.oracle.{name}"], check=True,
                           cwd=Path(__file__).resolve().parents[2])


def _write(name: str, seed: int, cases: list) -> None:
    """One case a line, with the versions of the libraries that made them."""
    frameworks.write_golden(GOLDEN / name, "tests/oracle/make_golden.py", seed, cases)


N_CHECKPOINTS = 32
CHECKPOINT_SUFFIXES = (".pt", ".bin", ".pth", ".ckpt", ".safetensors")


def make_checkpoints() -> None:
    """tests/golden/checkpoints/: each random model saved four ways; checkpoints.json: what
    torch says of each, one model a line."""
    import safetensors

    from tests.oracle import torch_checkpoints

    rng = random.Random(SEED + 9)
    folder = GOLDEN / "checkpoints"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        if old.suffix in CHECKPOINT_SUFFIXES:
            old.unlink()
    required = torch_checkpoints.REQUIRED
    cases = [torch_checkpoints.describe(torch_checkpoints.random_model(rng, f"ckpt_{i:02d}", required[i % len(required)]),
                                        folder, i) for i in range(N_CHECKPOINTS)]
    head = {"generator": "tests/oracle/make_golden.py checkpoints", "seed": SEED + 9,
            "safetensors": safetensors.__version__, **frameworks.versions(),
            "whole_models": torch_checkpoints.save_whole_models(folder)}
    lines = [f" {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()]
    body = ",\n".join(f"  {json.dumps(c)}" for c in cases)
    (GOLDEN / "checkpoints.json").write_text("{\n" + "\n".join(lines) + '\n "models": [\n' + body + "\n ]\n}\n")
    size = sum(f.stat().st_size for f in folder.iterdir())
    print(f"wrote {len(cases)} models, {len(list(folder.iterdir()))} files ({size:,} bytes) to {folder}")


def make_models() -> None:
    rng = random.Random(SEED + 1)
    models = [keras_models.describe(keras_models.random_model(rng, f"model_{i:03d}")) for i in range(N_MODELS)]
    golden = {"generator": "tests/oracle/make_golden.py", "seed": SEED + 1, "columns": keras_models.COLUMNS,
              **versions(), "models": models}
    path = GOLDEN / "keras_models.json"
    path.write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {len(models)} models to {path}")


N_FUNCTIONAL_EACH = 6
SAVED = ("functional_000", "functional_003", "functional_009")  # kept as .keras and .h5 files


def make_functional() -> None:
    rng = random.Random(SEED + 6)
    saved = GOLDEN / "saved"
    saved.mkdir(exist_ok=True)
    models = []
    for i in range(N_FUNCTIONAL_EACH * len(keras_functional.TEMPLATES)):
        template = keras_functional.TEMPLATES[i % len(keras_functional.TEMPLATES)]
        name = f"functional_{i:03d}"
        spec = keras_functional.random_functional(rng, name, template, i // len(keras_functional.TEMPLATES))
        models.append(keras_functional.describe(spec, saved if name in SAVED else None))
    golden = {"generator": "tests/oracle/make_golden.py", "seed": SEED + 6, "columns": keras_functional.COLUMNS,
              **versions(), "models": models}
    path = GOLDEN / "keras_functional.json"
    path.write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {len(models)} models to {path}")


def make_catalogue() -> None:
    rng = random.Random(SEED + 7)
    cases = keras_catalogue.cases(rng)
    golden = {"generator": "tests/oracle/make_golden.py", "seed": SEED + 7, "columns": keras_models.COLUMNS,
              **versions(), "cases": cases}
    path = GOLDEN / "keras_catalogue.json"
    path.write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {len(cases)} layers to {path}")


def make_examples() -> None:
    """The saved models the README reads: examples/mnist_gru.keras, examples/seq2seq.json and
    examples/translator.pt, .safetensors and .onnx (tests/oracle/torch_example.py)."""
    from tests.live import read_spec

    root = GOLDEN.parents[1]
    mnist = keras_models.build(dict(read_spec(root / "specs" / "mnist_gru.yaml"), name="mnist_gru"))
    mnist.save(root / "examples" / "mnist_gru.keras")
    seq2seq = keras_functional.build(read_spec(root / "specs" / "seq2seq_translator.yaml"))
    (root / "examples" / "seq2seq.json").write_text(seq2seq.to_json())
    print("wrote examples/mnist_gru.keras and examples/seq2seq.json")
    from tests.oracle import torch_example

    print("wrote", ", ".join(str(p.relative_to(root)) for p in torch_example.save(root / "examples")))


def make_keras2() -> None:
    """tests/golden/keras2/: a functional and a Sequential model as Keras 2 (tf_keras) saves
    them to JSON, in its legacy format, with what Keras 2 counts (keras2.json)."""
    import tf_keras

    from tests.live import read_spec

    root, out = GOLDEN.parents[1], GOLDEN / "keras2"
    out.mkdir(exist_ok=True)
    models = {"seq2seq": keras_functional.build(read_spec(root / "specs" / "seq2seq_translator.yaml"), tf_keras),
              "imdb_lstm": keras_models.build(dict(read_spec(root / "specs" / "imdb_lstm.yaml"), name="imdb_lstm"),
                                              tf_keras)}
    # Keras 2's own rules: a frozen wrapper freezes the layers inside it (Keras 3 keeps them
    # trainable), and Bidirectional flips go_backwards for its backward copy (Keras 3 refuses)
    for name, inner in (("frozen_bidirectional", {"LSTM": {"units": 4}, "trainable": False}),
                        ("bidirectional_go_backwards", {"LSTM": {"units": 4, "go_backwards": True}})):
        trainable = inner.pop("trainable", True)
        spec = {"name": name, "input": [5, 3], "layers": [
            {"Bidirectional": {"layer": inner, "trainable": trainable}}, {"Dense": {"units": 1}}]}
        models[name] = keras_models.build(spec, tf_keras)
    # Keras before 2.1.5 had no `reset_after` (added by keras-team/keras 2802c08): its GRU had
    # one bias, as reset_after=False, and its config no such key. The file is Keras 2's, the
    # key taken out and the version made 2.1.4's; the count is tf_keras's for reset_after=False.
    models["gru_before_reset_after"] = keras_models.build(
        {"name": "gru_before_reset_after", "input": [None, 7],
         "layers": [{"GRU": {"units": 5, "reset_after": False, "return_sequences": True}},
                    {"Bidirectional": {"layer": {"GRU": {"units": 3, "reset_after": False}}}},
                    {"Dense": {"units": 2}}]}, tf_keras)
    counts = {}
    for name, model in models.items():
        text = model.to_json()
        if name == "gru_before_reset_after":  # as Keras 2.1.4 wrote it, the last without the key
            text = json.dumps({**_without(json.loads(text), "reset_after"), "keras_version": "2.1.4"})
        (out / f"{name}.json").write_text(text)
        trainable = sum(int(w.shape.num_elements()) for w in model.trainable_weights)
        counts[name] = {"total_params": int(model.count_params()), "trainable_params": trainable,
                        "layers": {layer.name: int(layer.count_params()) for layer in model.layers}}
    (out / "keras2.json").write_text(json.dumps({"generator": "tests/oracle/make_golden.py", "tf_keras": tf_keras.__version__,
                                                 "models": counts}, indent=1) + "\n")
    print(f"wrote {len(models)} Keras 2 models to {out}")


def make_keras2_catalogue() -> None:
    """tests/golden/keras2_catalogue.json: the classes only Keras 2 has, and Bidirectional under
    Keras 2's rule, built in tf_keras (oracle/keras2_catalogue.py): each case's spec, the
    layer's row, the totals, each weight and the model's to_json(); and draws tf_keras refused."""
    import tensorflow as tf
    import tf_keras

    from tests.oracle import keras2_catalogue

    rng = random.Random(SEED + 8)
    cases, refused = keras2_catalogue.cases(rng, tf_keras)
    golden = {"generator": "tests/oracle/make_golden.py", "seed": SEED + 8, "tensorflow": tf.__version__,
              "tf_keras": tf_keras.__version__, "refused": refused, "cases": cases}
    path = GOLDEN / "keras2_catalogue.json"
    path.write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {len(cases)} layers and {len(refused)} refused ones to {path}")


def _without(data, key: str):
    """`data` with `key` taken out of every mapping in it."""
    if isinstance(data, dict):
        return {k: _without(v, key) for k, v in data.items() if k != key}
    return [_without(v, key) for v in data] if isinstance(data, list) else data


def make_layers() -> None:
    rng = random.Random(SEED)
    defaults = {"use_bias": True, "bidirectional": False, "merge_mode": "concat"}
    reference = {name: describe({**defaults, **case}) for name, case in REFERENCE.items()}
    cases = [describe(random_case(rng)) for _ in range(N_RANDOM)]
    golden = {"generator": "tests/oracle/make_golden.py", "seed": SEED, **versions(),
              "reference": reference, "cases": cases}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(_one_case_a_line(golden))
    print(f"wrote {len(cases)} random and {len(reference)} reference layers to {OUT}")


def _one_case_a_line(golden: dict) -> str:
    """JSON with one layer a line, so that a regenerated file diffs line by line."""
    lines = [f" {json.dumps(k)}: {json.dumps(v)}," for k, v in golden.items() if k not in ("reference", "cases")]
    lines += [' "reference": {']
    lines += [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in golden["reference"].items()]
    lines[-1] = lines[-1].rstrip(",")
    lines += [" },", ' "cases": [']
    lines += [f"  {json.dumps(c)}," for c in golden["cases"]]
    lines[-1] = lines[-1].rstrip(",")
    return "{\n" + "\n".join(lines) + "\n ]\n}\n"


# ---- macs: tests/golden/macs.json ----------------------------------------------------------
N_MACS = 100
MACS_KINDS = {"simplernn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def make_macs() -> None:
    """tests/golden/macs.json: 100 random torch.nn RNN / LSTM / GRU modules run over random
    batches and lengths under torch.utils.flop_counter.FlopCounterMode, with its total."""
    rng = random.Random(SEED + 10)
    _write("macs.json", SEED + 10, [torch_macs(random_macs_case(rng)) for _ in range(N_MACS)])


def random_macs_case(rng: random.Random) -> dict:
    """A layer (num_layers 1-3, either direction, bias or not, LSTM's proj_size), a batch of
    1-4 (1 sometimes as an unbatched input) and a length of 1-20."""
    kind = rng.choice(list(MACS_KINDS))
    units = rng.randint(1, 96)
    proj = rng.randrange(1, units) if kind == "lstm" and units > 1 and rng.random() < 0.35 else 0
    batch = rng.randint(1, 4)
    return {"kind": kind, "units": units, "input_dim": rng.randint(1, 96), "num_layers": rng.randint(1, 3),
            "use_bias": rng.random() < 0.7, "bidirectional": rng.random() < 0.4, "proj_size": proj,
            "seq_len": rng.randint(1, 20), "batch": batch, "unbatched": batch == 1 and rng.random() < 0.4}


def torch_macs(case: dict) -> dict:
    """`case` with what FlopCounterMode counts for the real module's forward pass: `flops`
    (oneDNN off: its fused LSTM kernel, aten.mkldnn_rnn_layer, hides the products from the
    counter), the flops per aten op, and `flops_mkldnn`, what it counts with oneDNN on."""
    import warnings

    import torch
    from torch.utils.flop_counter import FlopCounterMode

    options = dict(num_layers=case["num_layers"], bias=case["use_bias"], bidirectional=case["bidirectional"])
    if case["proj_size"]:
        options["proj_size"] = case["proj_size"]
    module = getattr(torch.nn, MACS_KINDS[case["kind"]])(case["input_dim"], case["units"], **options)
    shape = (case["seq_len"], case["input_dim"]) if case["unbatched"] else (case["seq_len"], case["batch"],
                                                                              case["input_dim"])
    x = torch.randn(*shape)

    def count() -> tuple[int, dict]:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            module(x)
        ops = {str(op): int(n) for op, n in counter.get_flop_counts().get("Global", {}).items()}
        return int(counter.get_total_flops()), ops

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small products: more threads only wait on each other, 10-100 x slower
    try:
        with warnings.catch_warnings():
            # "TF32 acceleration on top of oneDNN ..." when the flag is set; "LSTM with projections
            # is not supported with oneDNN"
            warnings.simplefilter("ignore")
            with torch.backends.mkldnn.flags(enabled=False):
                flops, ops = count()
            flops_mkldnn, _ = count()
    finally:
        torch.set_num_threads(threads)
    return {**case, "flops": flops, "ops": ops, "flops_mkldnn": flops_mkldnn}


if __name__ == "__main__":
    main()

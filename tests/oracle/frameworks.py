"""Recurrent layers built in real PyTorch, Flax and ONNX, described as the engine names them.

Shared by `make_golden.py` (tests/golden/{torch,flax,onnx}_layers.json) and the live tests.
"""

from __future__ import annotations

import io
import random
import warnings

TORCH_CLASSES = {"simplernn": "RNN", "lstm": "LSTM", "gru": "GRU"}
FLAX_CELLS = {"simplernn": "SimpleCell", "lstm": "LSTMCell", "optimizedlstm": "OptimizedLSTMCell", "gru": "GRUCell",
              "mgu": "MGUCell", "convlstm": "ConvLSTMCell"}


def _size(rng: random.Random, top: int = 300) -> int:
    roll = rng.random()
    return 1 if roll < 0.08 else top if roll < 0.12 else min(top, max(1, round(10 ** rng.uniform(0, 2.5))))


def random_torch_case(rng: random.Random) -> dict:
    kind = rng.choice(list(TORCH_CLASSES))
    units = _size(rng)
    proj = rng.randrange(1, units) if kind == "lstm" and units > 1 and rng.random() < 0.3 else 0
    return {"kind": kind, "units": units, "input_dim": _size(rng), "num_layers": rng.choice([1, 1, 2, 3, 4]),
            "use_bias": rng.random() < 0.75, "bidirectional": rng.random() < 0.4, "proj_size": proj}


def describe_torch(case: dict) -> dict:
    """named_parameters() of the torch.nn module, in order."""
    import torch

    cls = getattr(torch.nn, TORCH_CLASSES[case["kind"]])
    options = dict(num_layers=case["num_layers"], bias=case["use_bias"], bidirectional=case["bidirectional"])
    if case["proj_size"]:
        options["proj_size"] = case["proj_size"]
    module = cls(case["input_dim"], case["units"], **options)
    return {**case, "params": sum(p.numel() for p in module.parameters()),
            "weights": [[name, list(p.shape)] for name, p in module.named_parameters()]}


def random_flax_case(rng: random.Random, kind: str) -> dict:
    """Sizes (and MGUCell's reset_gate; ConvLSTMCell's kernel_size, one to three axes, and
    use_bias) for one cell. The other cells draw as they always have, so that their golden
    cases stay the same."""
    if kind == "convlstm":  # smaller: a 3-D window multiplies the kernels
        return {"kind": kind, "units": _size(rng, 48), "input_dim": _size(rng, 48), "bidirectional": rng.random() < 0.3,
                "kernel_size": [rng.randint(1, 5) for _ in range(rng.choice([1, 2, 2, 3]))],
                "use_bias": rng.random() < 0.75}
    case = {"kind": kind, "units": _size(rng, 200), "input_dim": _size(rng, 200), "bidirectional": rng.random() < 0.3}
    if kind == "mgu":
        case["reset_gate"] = rng.random() < 0.7
    return case


def describe_flax(case: dict) -> dict:
    """The parameter tree of a flax.linen cell (or Bidirectional of two RNNs over it), flattened."""
    import jax
    import jax.numpy as jnp
    import flax.linen as nn

    cls = getattr(nn, FLAX_CELLS[case["kind"]])
    options = {key: case[key] for key in ("reset_gate", "use_bias") if key in case}
    if "kernel_size" in case:
        options["kernel_size"] = tuple(case["kernel_size"])
    spatial = (3,) * len(case.get("kernel_size", ()))  # a ConvLSTMCell's input: (batch, *spatial, channels)

    def cell():
        return cls(features=case["units"], **options)

    if case["bidirectional"]:
        module = nn.Bidirectional(nn.RNN(cell()), nn.RNN(cell()))
        params = module.init(jax.random.PRNGKey(0), jnp.ones((1, 2, *spatial, case["input_dim"])))["params"]
    else:
        module = cell()
        shape = (1, *spatial, case["input_dim"])
        carry = module.initialize_carry(jax.random.PRNGKey(1), shape)
        params = module.init(jax.random.PRNGKey(0), carry, jnp.ones(shape))["params"]
    leaves = jax.tree_util.tree_flatten_with_path(params)[0]
    weights = sorted(["/".join(k.key for k in path), list(v.shape)] for path, v in leaves)
    return {**case, "params": int(sum(v.size for _, v in leaves)), "weights": weights}


def random_onnx_case(rng: random.Random) -> dict:
    return {"kind": rng.choice(list(TORCH_CLASSES)), "units": _size(rng, 64), "input_dim": _size(rng, 64),
            "num_layers": rng.choice([1, 1, 2]), "use_bias": rng.random() < 0.8, "bidirectional": rng.random() < 0.4}


def describe_onnx_export(case: dict) -> dict:
    """The initializers that torch.onnx.export gives each RNN / GRU / LSTM node."""
    import onnx
    import torch

    cls = getattr(torch.nn, TORCH_CLASSES[case["kind"]])
    module = cls(case["input_dim"], case["units"], num_layers=case["num_layers"], bias=case["use_bias"],
                 bidirectional=case["bidirectional"])
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, torch.zeros(3, 1, case["input_dim"]), buffer, dynamo=False)
    graph = onnx.load_from_string(buffer.getvalue()).graph
    shapes = {init.name: list(init.dims) for init in graph.initializer}
    nodes = []
    for node in graph.node:
        if node.op_type in ("RNN", "GRU", "LSTM"):
            attributes = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            # inputs X, W, R, B (optional): keep W, R, B that are initializers
            tensors = [shapes[name] for name in node.input[1:4] if name in shapes]
            nodes.append({"op": node.op_type, "tensors": tensors,
                          "linear_before_reset": attributes.get("linear_before_reset", 0)})
    return {**case, "params": sum(_prod(t) for n in nodes for t in n["tensors"]), "nodes": nodes}


def run_onnx_node(op: str, hidden: int, shapes: dict, direction: str = "forward", **attributes):
    """Run one ONNX RNN / GRU / LSTM node with the onnx package's reference evaluator, on
    tensors of the given shapes; returns Y's shape, or raises if the shapes do not fit."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper
    from onnx.reference import ReferenceEvaluator

    input_size = shapes["W"][2]
    names = ["X", "W", "R"] + (["B"] if "B" in shapes else [""]) + ([""] * 3 + ["P"] if "P" in shapes else [])
    node = helper.make_node(op, names, ["Y"], hidden_size=hidden, direction=direction, **attributes)
    rng = np.random.default_rng(0)
    initializers = [helper.make_tensor(n, TensorProto.FLOAT, s, rng.standard_normal(_prod(s)).astype(np.float32).tolist())
                    for n, s in shapes.items()]
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [4, 2, input_size])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["t", "d", "b", "h"])], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
    onnx.checker.check_model(model)
    x = rng.standard_normal((4, 2, input_size)).astype(np.float32)
    (y,) = ReferenceEvaluator(model).run(None, {"X": x})
    return list(y.shape)


def _prod(shape) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def write_golden(path, generator: str, seed: int, cases: list, **head) -> None:
    """A golden file, one case a line, after a header: the generator, its seed, the versions of
    the libraries that made the cases, and `head`."""
    import json

    head = {"generator": generator, "seed": seed, **versions(), **head}
    lines = [f" {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()]
    body = ",\n".join(f"  {json.dumps(c)}" for c in cases)
    path.write_text("{\n" + "\n".join(lines) + '\n "cases": [\n' + body + "\n ]\n}\n")
    print(f"wrote {len(cases)} cases to {path}")


def versions() -> dict:
    out = {}
    for name in ("torch", "onnx", "flax", "jax"):
        try:
            out[name] = __import__(name).__version__
        except ImportError:
            pass
    return out

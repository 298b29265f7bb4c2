"""A checkpoint's or ONNX model's summary (read from its tensors, `Summary.kind` "checkpoint" or
"onnx") as text, Markdown and JSON: a row per module (or node) with its type, count, dtypes and
what its tensors say of it. Nothing here prints."""

from __future__ import annotations

import math
import os

from .cost import cost_dict, cost_lines
from .text import _md_table, _text_table, readable_bytes

_FILES = {".pt": "torch.save file", ".pth": "torch.save file", ".bin": "torch.save file", ".ckpt": "torch.save file",
          ".safetensors": "safetensors file", ".onnx": "ONNX model"}


def _title(s) -> str:
    what = _FILES.get(os.path.splitext(s.path)[1].lower(), "checkpoint")
    tensors = sum(len(r.weights) + len(r.buffers) + len(r.shared) for r in s.rows)
    unit = "nodes" if s.kind == "onnx" else "modules"
    return f'{what} "{s.name}" ({s.path}): {tensors:,} tensors, {len(s.rows):,} {unit} that hold them'


# How a row's attributes read, as torch prints a module (`LSTM(16, 32, bidirectional=True)`): the
# leading ones by position, the rest by name when they differ from the class's default
_POSITIONAL = ("input_size", "hidden_size", "num_embeddings", "embedding_dim", "in_features", "in1_features",
               "in2_features", "out_features", "num_features", "normalized_shape", "embed_dim")
_DEFAULTS = {"num_layers": 1, "bidirectional": False, "bias": True, "proj_size": 0, "add_bias_kv": False,
             "direction": "forward", "linear_before_reset": 0, "peepholes": False}


def _call(row) -> str:
    """The row's type with what its tensors say of it, as torch prints a module."""
    given = dict(row.attributes)
    if "direction" in given:  # ONNX: the direction says it, and one node is one layer
        given.pop("bidirectional", None), given.pop("num_layers", None)
    if given.get("kdim") == given.get("vdim") == given.get("embed_dim"):
        given.pop("kdim", None), given.pop("vdim", None)
    args = [_value(given[k]) for k in _POSITIONAL if k in given]
    args += [f"{k}={_value(v)}" for k, v in given.items() if k not in _POSITIONAL and _DEFAULTS.get(k, ...) != v]
    return f"{row.class_name}({', '.join(args)})" if given else row.class_name


def _value(v) -> str:
    return _shape(v) if isinstance(v, (list, tuple)) else str(v)


def _dtypes(weights) -> str:
    return "/".join(dict.fromkeys(w.dtype for w in weights)) or "-"


def _shape(shape) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _gate_cells(g) -> list[str]:
    """One gate's share of a recurrent module, by tensor (input kernel, recurrent kernel, ...)."""
    where = f"layer {g.layer}" + (f" {g.direction}" if g.direction else "")
    parts = " + ".join(f"{n:,}" for _, n in g.parts)
    return [f"  gate {g.gate} ({g.name}), {where}", parts, f"{g.params:,}", ""]


def _rows(s, expand: bool) -> list[list[str]]:
    rows = []
    for r in s.rows:
        rows.append([r.name, _call(r), f"{r.params:,}", _dtypes([*r.weights, *(w for w, _ in r.shared)])])
        if not expand:
            continue
        rows += [[f"  {w.name}", _shape(w.shape), f"{math.prod(w.shape):,}", w.dtype] for w in r.weights]
        rows += [[f"  {b.name}", f"{_shape(b.shape)} buffer", "-", b.dtype] for b in r.buffers]
        rows += [[f"  {w.name}", f"{_shape(w.shape)} = {first}", "-", w.dtype] for w, first in r.shared]
        rows += [_gate_cells(g) for g in r.gates]
    return rows


def _footer(s) -> list[str]:
    buffers = [b for r in s.rows for b in r.buffers]
    dtypes = _dtypes([w for r in s.rows for w in r.weights])
    lines = [f"Total params: {s.total_params:,}", f"Trainable params: {s.trainable_params:,}",
             f"Non-trainable params: {s.non_trainable_params:,}"]
    if buffers:
        what = "not parameters" if s.kind == "checkpoint" else "not parameters: shape constants, initial states, statistics"
        lines.append(f"Buffers ({what}): {sum(math.prod(b.shape) for b in buffers):,} values in {len(buffers):,} tensors")
    shared = [(r.name, w, first) for r in s.rows for w, first in r.shared]
    if shared:
        name, w, first = shared[0]
        lines.append(f"Tied weights: {len(shared):,} tensors stored under a second name ({name}.{w.name} is {first}), "
                     "counted once, where they are first stored")
    lines.append(f"Params size: {readable_bytes(s.bytes())} ({dtypes}, as stored)")
    if s.kind == "checkpoint":
        lines.append("A state_dict does not record requires_grad: every parameter counts as trainable.")
    return lines


def _header(s) -> list[str]:
    return ["Node" if s.kind == "onnx" else "Module", "Op" if s.kind == "onnx" else "Type", "Params", "Dtype"]


def _legend(s, expand: bool) -> list[str]:
    """What a gate row's numbers are: its slice of each recurrent tensor, in the file's order."""
    gates = [r.gates for r in s.rows if r.gates] if expand else []
    if not gates:
        return []
    parts = dict.fromkeys(part for g in gates for gate in g for part, _ in gate.parts)
    return ["", "A gate row is its slice of each tensor (" + " + ".join(parts) + "), in the framework's gate order."]


def _cost_lines(cost) -> list[str]:
    """With a cost: its memory (and why its MACs are not known), under the footer."""
    if cost is None:
        return []
    return cost_lines(cost)


def checkpoint_text(s, expand: bool = False, cost=None) -> str:
    rows = _rows(s, expand)
    total = ["Total", "", f"{s.total_params:,}", ""]
    table = _text_table(_header(s), rows, total, first_right=2, last_right=2)
    return "\n".join([_title(s), "", *table, *_legend(s, expand), "", *_footer(s), *_cost_lines(cost)]) + "\n"


def checkpoint_markdown(s, expand: bool = False, cost=None) -> str:
    lines = [f"### {_title(s)}", ""]
    lines += _md_table(_header(s), [[c.replace("|", "\\|") for c in r] for r in _rows(s, expand)])
    lines += _legend(s, expand) + [""] + [f"- {line}" for line in _footer(s) + _cost_lines(cost)]
    return "\n".join(lines) + "\n"


def checkpoint_dict(s, expand: bool = False, cost=None) -> dict:
    """The JSON of a checkpoint's summary: the contract of specs (name, framework, layers with
    name, type and params, the totals), each row's attributes as keys of its own
    (hidden_size, input_size, num_layers, bidirectional, proj_size ...), and its tensors."""

    def tensor(w, param: bool) -> dict:
        return {"name": w.name, "shape": list(w.shape), "dtype": w.dtype,
                **({"params": math.prod(w.shape)} if param else {})}

    def layer(r) -> dict:
        out = {"name": r.name, "type": r.class_name, "params": r.params, "trainable_params": r.trainable_params,
               "non_trainable_params": r.non_trainable_params, **{k: v for k, v in r.attributes},
               "dtypes": list(dict.fromkeys(w.dtype for w in r.weights)),
               "buffers": [tensor(b, False) for b in r.buffers],
               "shared": [{**tensor(w, False), "same_as": first} for w, first in r.shared]}
        if expand:
            out["weights"] = [tensor(w, True) for w in r.weights]
            if r.gates:
                out["gates"] = [{"gate": g.gate, "name": g.name, "layer": g.layer, "direction": g.direction or None,
                                 "params": g.params, "parts": dict(g.parts)} for g in r.gates]
        return out

    return {
        "name": s.name, "path": s.path, "framework": s.framework, "kind": s.kind,
        "layers": [layer(r) for r in s.rows],
        "total_params": s.total_params, "trainable_params": s.trainable_params,
        "non_trainable_params": s.non_trainable_params,
        "buffer_values": sum(math.prod(b.shape) for r in s.rows for b in r.buffers),
        "params_bytes": s.bytes(),
        **(_cost_dict(cost) if cost is not None else {}),
    }


def _cost_dict(cost) -> dict:
    return cost_dict(cost)

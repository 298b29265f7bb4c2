"""A ModelSpec (read from a saved Keras model) written back as a YAML spec a person can read.

Only what differs from Keras's defaults is written: a name Keras would give anyway, an
initializer left at its default, float32, and in a functional model an `inputs:` that is
the entry above are left out. Reading the YAML back gives the same summary (a test holds
the two equal). The counts go below, commented, ready to become `expect` and `budget`.
"""

from __future__ import annotations

import json
import re

from .conventions import keras_name
from .layers import BASE
from .spec import LayerSpec, ModelSpec, Ref, kind_defaults

_PLAIN = re.compile(r"[A-Za-z_][\w\-./]*")
# Words YAML reads as something other than text (YAML 1.1, as PyYAML resolves them)
# What Keras saves for a default of None: the activation it stands for, the data format it resolves to
_RESOLVED = {("activation", "linear"), ("data_format", "channels_last")}
_SPECIAL = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "none", "~"}


def to_yaml(spec: ModelSpec, summary, source: str = "") -> str:
    """The spec as YAML text; `summary` (the spec's) gives the counts in the closing comment."""
    lines = [f"# Converted by gru-params from {source or spec.path}."] if source or spec.path else []
    lines.append(f"name: {_scalar(spec.name)}")
    if spec.keras2:  # Keras 2's rules (frozen wrappers, Bidirectional) hold for the spec too
        lines.append("framework: keras2")
    if spec.inputs is None:
        lines.append(f"input: {_value(list(spec.input))}")
    else:
        lines.append("inputs:")
        lines += [f"  {_scalar(i.name)}: {_value(list(i.shape))}" for i in spec.inputs]
    several = set()
    stack = list(summary.rows)
    while stack:  # the layers with several outputs, nested models' included
        row = stack.pop()
        stack += row.children
        if isinstance(row.output_shape, list):
            several.add(row.name)
    counters: dict[str, int] = {}
    lines.append("layers:")
    previous = spec.inputs[0].name if spec.inputs is not None and len(spec.inputs) == 1 else None
    for layer in spec.layers:
        args, name = _arguments(layer, counters, several)
        calls = []
        for key, value in (layer.call or {}).items():
            text = _refs(value, several) if isinstance(value, (Ref, tuple)) else _value(value)
            if not (key == "inputs" and previous is not None and text == _scalar(previous)):
                calls.append(f"    {key}: {text}")
        bare = not args and not calls
        lines.append(f"  - {layer.kind.class_name}" if bare else f"  - {layer.kind.class_name}: {_value(args)}")
        lines += calls
        previous = name
    if spec.outputs:
        lines.append(f"outputs: {_refs(spec.outputs, several)}")
    lines += [
        "# The counts, for `gru-params check`; uncomment to pin them:",
        "# expect:",
        f"#   total_params: {summary.total_params}",
        f"#   trainable_params: {summary.trainable_params}",
        f"#   non_trainable_params: {summary.non_trainable_params}",
        "# budget:",
        f"#   max_params: {summary.total_params}",
    ]
    return "\n".join(lines) + "\n"


def _arguments(layer: LayerSpec, counters: dict, several: set) -> tuple[dict, str]:
    """The arguments that differ from the defaults, the layer's own first, nested layers
    converted (and named, inner first, as Keras names them)."""
    defaults = kind_defaults(layer.kind)[0]
    nested = {}
    for key in layer.kind.nested:
        inner = layer.args.get(key)
        if isinstance(inner, LayerSpec):
            nested[key] = _nested(inner, counters, several)
        elif isinstance(inner, ModelSpec):  # a functional model used as a layer
            nested[key] = {"inputs": {i.name: list(i.shape) for i in inner.inputs},
                           "layers": [_nested(x, counters, several) for x in inner.layers]}
            if inner.outputs:
                nested[key]["outputs"] = [_ref_text(r, several) for r in inner.outputs]
        elif inner:  # cells, a Sequential model's layers
            nested[key] = [_nested(x, counters, several) for x in inner]
    out = {}
    for key in sorted(layer.kind.args, key=lambda k: k in BASE):  # the layer's own arguments first
        if key in layer.kind.nested:
            if key in nested:
                out[key] = nested[key]
            continue
        value, default = _simple(key, layer.args.get(key)), _simple(key, defaults.get(key))
        if key != "name" and value != default and not (default is None and isinstance(value, str) and (key, value) in _RESOLVED):
            out[key] = value
    prefix = keras_name(layer.kind.class_name)
    n = counters.get(prefix, 0)
    auto = prefix if n == 0 else f"{prefix}_{n}"
    given = layer.args.get("name")
    if given is None or given == auto:
        counters[prefix] = n + 1
        return out, auto
    out["name"] = given
    return out, given


def _nested(layer: LayerSpec, counters: dict, several: set) -> dict:
    """A layer inside another, as a flow mapping; inside a functional model, with its call."""
    args, _ = _arguments(layer, counters, several)
    call = {k: _ref_text(v, several) if isinstance(v, Ref) else [_ref_text(r, several) for r in v]
            if isinstance(v, tuple) else v for k, v in (layer.call or {}).items()}
    return {layer.kind.class_name: args, **call}


def _simple(key: str, value):
    """A Keras-serialized value in the short form a person writes: `glorot_uniform` for an
    initializer with default settings, `float32` for a dtype policy; tuples as lists."""
    if isinstance(value, tuple):
        return [_simple(key, v) for v in value]
    if isinstance(value, dict) and isinstance(value.get("class_name"), str) and isinstance(value.get("config"), (dict, type(None))):
        config = {k: v for k, v in (value.get("config") or {}).items() if v is not None and (k, v) != ("gain", 1.0)}
        if value["class_name"] in ("DTypePolicy", "Policy") and "name" in config:
            return _simple(key, config["name"])
        if not config:
            return keras_name(value["class_name"])
        return {"class_name": value["class_name"], "config": config}
    if key == "dtype" and value == "float32":
        return None
    return value


def _ref_text(ref: Ref, several: set) -> str:
    """`encoder[1]`; a bare name for a layer with one output."""
    return ref.name if ref.name not in several and not ref.index else f"{ref.name}[{ref.index or 0}]"


def _refs(value, several: set) -> str:
    if isinstance(value, Ref):
        return _scalar(_ref_text(value, several))
    return "[" + ", ".join(_refs(r, several) for r in value) + "]"


def _value(v) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return _scalar(v)


def _scalar(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            return ".nan" if v != v else ".inf" if v > 0 else "-.inf"
        text = repr(v)
        return text.replace("e", ".0e", 1) if "e" in text and "." not in text else text  # 1e-05 is text to YAML 1.1
    text = str(v)
    return text if _PLAIN.fullmatch(text) and text.lower() not in _SPECIAL else json.dumps(text)

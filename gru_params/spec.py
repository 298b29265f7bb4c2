"""A spec file to a typed, validated `ModelSpec`, or a `SpecError` naming file, line and key."""

from __future__ import annotations

import os
import re
from typing import NamedTuple

from . import layers as registry
from .errors import ArgumentError, SpecError, Where, closest, shown
from .limits import MAX_LAYERS, MAX_RANK
from .yamlnodes import Node, describe, parse, plain


class Ref(NamedTuple):
    """A tensor named in a functional spec: `encoder` (its only output) or `encoder[1]`."""

    name: str
    index: int | None
    where: Where

    def __str__(self) -> str:
        return self.name if self.index is None else f"{self.name}[{self.index}]"


class LayerSpec(NamedTuple):
    kind: registry.Kind
    args: dict  # every argument, checked, defaults filled in; nested layers as LayerSpec
    where: Where  # the layer's entry, with its key path: layers[1].GRU
    # Functional specs: what the layer is called on. "inputs" -> Ref or tuple of Refs (None:
    # the entry above); call arguments -> Ref, tuple of Refs, or their checked value.
    call: dict | None = None


class InputSpec(NamedTuple):
    """One input of a functional model: keras.Input(shape, name=name)."""

    name: str
    shape: tuple
    where: Where


class Check(NamedTuple):
    """One number the spec asks `check` to compare: `expect.total_params`, `budget.max_params`."""

    key: str  # "total_params", "layers.gru", "max_params"
    value: int
    where: Where


class Compute(NamedTuple):
    """`compute:` the sequence, batch, dtype and optimizer that `budget`'s compute and memory
    limits are for (cost/model.py); None: the default."""

    seq_len: int | None
    batch: int
    dtype: str | None
    optimizer: str | None
    where: Where


class ModelSpec(NamedTuple):
    path: str
    name: str
    framework: str
    input: tuple | None  # per-sample shape, None entries for free axes; None if not given
    layers: tuple[LayerSpec, ...]
    expect: tuple[Check, ...]
    budget: tuple[Check, ...]
    where: Where  # the document
    inputs: tuple[InputSpec, ...] | None = None  # a functional model's inputs; None: Sequential
    outputs: tuple[Ref, ...] = ()  # a functional model's outputs; (): the last layer's
    # What the reader of a saved file took as given and says so on stderr: a custom activation
    warnings: tuple[str, ...] = ()
    # A checkpoint (state_dict, .safetensors, ONNX) holds tensors, not layers: its summary, read
    # from them (infer.Summary); `layers` is then empty
    summary: object = None
    # `source:` a spec that stands for a saved file: its path, relative to the spec's folder
    # resolved, and where the spec says it; sources.load reads it and keeps this spec's checks
    source: tuple[str, Where] | None = None
    compute: Compute | None = None  # `compute:`, for the budget's max_macs, ..., max_training_bytes

    @property
    def keras2(self) -> bool:
        """Counted as Keras 2 (tf_keras) counts: `framework: keras2`, or a file Keras 2 saved.
        Its `trainable: false` freezes every weight inside a layer, where Keras 3 leaves
        some (see layers.Kind)."""
        return self.framework == "keras2"


TOP_KEYS = ("name", "framework", "input", "inputs", "layers", "outputs", "expect", "budget", "compute", "source")
SOURCE_KEYS = ("name", "source", "expect", "budget", "compute")  # a spec that stands for a saved file
KERAS = ("keras", "keras2")  # the frameworks whose models are Keras models
CALL_KEYS = frozenset({"inputs"}.union(*(k.call for k in registry.KINDS.values())))
_REF = re.compile(r"(.+)\[(\d+)\]")
FRAMEWORKS = tuple(registry.REGISTRIES)
EXPECT_KEYS = ("total_params", "trainable_params", "non_trainable_params", "layers")
BUDGET_KEYS = ("max_params", "max_trainable_params", "max_macs", "max_flops", "max_weight_bytes",
               "max_training_bytes")
COST_BUDGETS = frozenset(BUDGET_KEYS[2:])  # need the cost (cost/model.py), at `compute`
COMPUTE_KEYS = ("seq_len", "batch", "dtype", "optimizer")


def from_text(text: str, path: str = "<spec>") -> ModelSpec:
    """A spec from its YAML text (a file's, read by sources.yaml_spec)."""
    warnings: list[str] = []
    spec = from_node(parse(text, path, warnings=warnings), path)
    return spec._replace(warnings=(*spec.warnings, *warnings)) if warnings else spec


def from_node(root: Node | None, path: str) -> ModelSpec:
    """A spec from its YAML tree (or one built from a saved Keras model's config)."""
    here = Where(path, 1, 1)
    if root is None:
        raise SpecError(here, "is empty; a spec is a mapping with `input` and `layers`")
    top = _mapping(root, path, "", "the spec", TOP_KEYS)
    if "source" in top.value:
        return _source_spec(top, path)
    framework = _get(top, "framework", "keras")
    if framework.value not in FRAMEWORKS:
        raise SpecError(_at(framework, path, "framework"), f"expected {' or '.join(FRAMEWORKS)}, got "
                        f"{shown(framework.value)}" + closest(framework.value, FRAMEWORKS))
    reader = _Reader(path, registry.REGISTRIES[framework.value])
    functional = "inputs" in top.value
    if functional and "input" in top.value:
        raise SpecError(_at(top.value["input"], path, "input"), "give either `input` (a Sequential model) or "
                                                                "`inputs` (a functional model), not both")
    if functional and framework.value not in KERAS:
        raise SpecError(_at(top.value["inputs"], path, "inputs"), "functional models (`inputs:`) are Keras models; "
                                                                  f"drop `framework: {framework.value}`")
    if "outputs" in top.value and not functional:
        raise SpecError(_at(top.value["outputs"], path, "outputs"),
                        "`outputs` needs a functional model: name its inputs with `inputs:` (name: shape)")
    name = _get(top, "name", os.path.splitext(os.path.basename(path))[0])
    if not isinstance(name.value, str) or not name.value:
        raise SpecError(_at(name, path, "name"), f"expected a model name, got {shown(name.value)}")
    inputs = _inputs(top.value["inputs"], path) if functional else None
    layer_nodes = top.value.get("layers")
    if layer_nodes is None:
        raise SpecError(Where(path, root.line, root.column), "missing `layers`: the list of layers, in order")
    if not isinstance(layer_nodes.value, list) or not layer_nodes.value:
        raise SpecError(_at(layer_nodes, path, "layers"), "expected a non-empty list of layers")
    return ModelSpec(
        path=path,
        name=name.value,
        framework=framework.value,
        input=_input(top.value.get("input"), path),
        layers=tuple(_entry(n, reader, f"layers[{i}]", functional) for i, n in enumerate(layer_nodes.value)),
        expect=_checks(top.value.get("expect"), path, "expect", EXPECT_KEYS),
        budget=_checks(top.value.get("budget"), path, "budget", BUDGET_KEYS),
        where=Where(path, root.line, root.column),
        compute=_compute(top.value.get("compute"), path),
        inputs=inputs,
        outputs=_refs(top.value["outputs"], path, "outputs") if "outputs" in top.value else (),
    )


def _source_spec(top: Node, path: str) -> ModelSpec:
    """A spec that stands for a saved file (`source: model.pt`) with `expect` and `budget`."""
    for key, (line, column) in top.keys.items():
        if key not in SOURCE_KEYS:
            raise SpecError(Where(path, line, column, key), f"`{key}` does not go with `source`: the saved file "
                            f"says what the model is; a spec with `source` takes {', '.join(SOURCE_KEYS)}")
    node = top.value["source"]
    where = _at(node, path, "source")
    if not isinstance(node.value, str) or not node.value.strip() or "\0" in node.value:
        raise SpecError(where, f"expected the path of a saved model or checkpoint (relative to this spec), "
                               f"got {describe(node)}")
    name = top.value.get("name")
    if name is not None and (not isinstance(name.value, str) or not name.value):
        raise SpecError(_at(name, path, "name"), f"expected a model name, got {shown(name.value)}")
    return ModelSpec(
        path=path, name=name.value if name is not None else "", framework="", input=None, layers=(),
        expect=_checks(top.value.get("expect"), path, "expect", EXPECT_KEYS),
        budget=_checks(top.value.get("budget"), path, "budget", BUDGET_KEYS),
        where=Where(path, top.line, top.column),
        compute=_compute(top.value.get("compute"), path),
        source=(os.path.join(os.path.dirname(path), os.path.expanduser(node.value)), where),
    )


class _Reader:
    """One spec being read: its path, its framework's layers, and how many more layers it
    may build (aliases can make a short text stand for many)."""

    def __init__(self, path: str, kinds: dict):
        self.path, self.kinds, self.layers_left = path, kinds, MAX_LAYERS

    def count_layer(self, where: Where) -> None:
        self.layers_left -= 1
        if self.layers_left < 0:
            raise SpecError(where, f"the model has more than {MAX_LAYERS:,} layers (wrapped and nested ones "
                                   "included), gru-params's limit")


def _at(node: Node, path: str, key: str) -> Where:
    return Where(path, node.line, node.column, key)


def _mapping(node: Node, path: str, key: str, what: str, allowed) -> Node:
    if not isinstance(node.value, dict):
        raise SpecError(_at(node, path, key), f"expected {what} as a mapping, got {describe(node)}")
    for k, (line, column) in node.keys.items():
        if k not in allowed:
            raise SpecError(Where(path, line, column, _join(key, k)),
                            f"unknown key `{k}` in {what}{closest(k, allowed)}; expected {', '.join(allowed)}")
    return node


def _get(mapping: Node, key: str, default) -> Node:
    node = mapping.value.get(key)
    return node if node is not None else Node(default, mapping.line, mapping.column)


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _input(node: Node | None, path: str, key: str = "input") -> tuple | None:
    if node is None:
        return None
    if isinstance(node.value, list) and len(node.value) > MAX_RANK:
        raise SpecError(_at(node, path, key), f"expected a shape of at most {MAX_RANK} axes, got {len(node.value):,}")
    ok = isinstance(node.value, list) and all(  # [] is a scalar a sample (strings for TextVectorization)
        n.value is None or (isinstance(n.value, int) and not isinstance(n.value, bool) and n.value > 0)
        for n in node.value
    )
    if not ok:
        raise SpecError(_at(node, path, key),
                        f"expected the per-sample shape as a list of positive integers or nulls "
                        f"(no batch axis), like [28, 28], [null, 28] or [] (a scalar); got {describe(node)}")
    return tuple(n.value for n in node.value)


def _inputs(node: Node, path: str) -> tuple[InputSpec, ...]:
    if not isinstance(node.value, dict) or not node.value:
        raise SpecError(_at(node, path, "inputs"), "expected the model's inputs as a mapping of name to "
                                                   f"per-sample shape, like `tokens: [null]`; got {describe(node)}")
    return tuple(InputSpec(name, _input(shape, path, f"inputs.{name}"), Where(path, *node.keys[name], f"inputs.{name}"))
                 for name, shape in node.value.items())


def _ref(node: Node, path: str, key: str) -> Ref:
    if not isinstance(node.value, str) or not node.value:
        raise SpecError(_at(node, path, key), f"expected the name of an input or a layer, like `encoder` or "
                                              f"`encoder[1]`, got {describe(node)}")
    m = _REF.fullmatch(node.value)
    if m and len(m[2]) > 9:  # no layer has a billion outputs; and never convert a huge number
        raise SpecError(_at(node, path, key), f"the output index in {shown(node.value)} is out of range")
    return Ref(m[1], int(m[2]), _at(node, path, key)) if m else Ref(node.value, None, _at(node, path, key))


def _refs(node: Node, path: str, key: str) -> tuple[Ref, ...]:
    """One name, or a list of them."""
    if isinstance(node.value, list):
        if not node.value:
            raise SpecError(_at(node, path, key), "expected at least one name, got an empty list")
        return tuple(_ref(n, path, f"{key}[{i}]") for i, n in enumerate(node.value))
    return (_ref(node, path, key),)


def _entry(node: Node, reader: _Reader, keypath: str, functional: bool) -> LayerSpec:
    """A layer entry: the layer, and in a functional spec the sibling keys of its call
    (`inputs`, `initial_state`, ...)."""
    path, kinds = reader.path, reader.kinds
    if not isinstance(node.value, dict) or (len(node.value) == 1 and not CALL_KEYS.intersection(node.value)):
        layer = _layer(node, reader, keypath)
        return layer._replace(call={}) if functional else layer
    names = [k for k in node.value if k not in CALL_KEYS]
    class_name = next((k for k in names if k in kinds), names[0] if names else None)
    if class_name is None:
        raise SpecError(_at(node, path, keypath), "expected a layer, {ClassName: {arguments}}, beside its call "
                                                  f"arguments ({', '.join(node.value)})")
    if not functional:
        other = next(k for k in node.value if k != class_name)
        raise SpecError(Where(path, *node.keys[other], f"{keypath}.{other}"),
                        f"`{other}` beside a layer needs a functional model: name the model's inputs with "
                        "`inputs:` (name: shape) instead of `input:`" if other in CALL_KEYS else
                        f"expected one layer per entry, got {class_name} and {other}")
    layer = _layer(Node({class_name: node.value[class_name]}, node.line, node.column,
                        {class_name: node.keys[class_name]}), reader, keypath)
    allowed = ("inputs", *layer.kind.call)
    call = {}
    for key, value in node.value.items():
        if key == class_name:
            continue
        subpath = f"{keypath}.{key}"
        if key not in allowed:
            raise SpecError(Where(path, *node.keys[key], subpath),
                            f"unknown call argument `{key}` for {class_name}{closest(key, allowed)}; "
                            f"it takes {', '.join(allowed)}")
        check = layer.kind.call.get(key, registry.TENSORS if layer.kind.many_inputs else None)
        if value.value is None:
            continue
        if key == "inputs" and check is None:  # one tensor, or (MultiHeadAttention) query, value, key
            call[key] = _refs(value, path, subpath) if isinstance(value.value, list) else _ref(value, path, subpath)
        elif check == registry.TENSOR:
            call[key] = _ref(value, path, subpath)
        elif check == registry.TENSORS:
            call[key] = _refs(value, path, subpath)
        else:
            try:
                call[key] = check(key, plain(value))
            except ArgumentError as e:
                raise SpecError(_at(value, path, subpath), str(e)) from None
    return layer._replace(call=call)


def _functional_model(node: Node, reader: _Reader, keypath: str) -> ModelSpec:
    """`Functional: {model: {inputs, layers, outputs}}`: a functional model used as a layer."""
    path = reader.path
    _mapping(node, path, keypath, "a functional model", ("inputs", "layers", "outputs"))
    for key in ("inputs", "layers"):
        if key not in node.value:
            raise SpecError(_at(node, path, keypath), f"a functional model needs `{key}`")
    layers = node.value["layers"]
    if not isinstance(layers.value, list) or not layers.value:
        raise SpecError(_at(layers, path, f"{keypath}.layers"), "expected a non-empty list of layers")
    return ModelSpec(
        path=path, name="", framework="keras", input=None,
        layers=tuple(_entry(n, reader, f"{keypath}.layers[{i}]", True) for i, n in enumerate(layers.value)),
        expect=(), budget=(), where=_at(node, path, keypath),
        inputs=_inputs(node.value["inputs"], path),
        outputs=_refs(node.value["outputs"], path, f"{keypath}.outputs") if "outputs" in node.value else (),
    )


def _checks(node: Node | None, path: str, block: str, allowed) -> tuple[Check, ...]:
    if node is None:
        return ()
    _mapping(node, path, block, f"`{block}`", allowed)
    out = []
    for key, value in node.value.items():
        if key == "layers":
            _mapping(value, path, f"{block}.layers", "`expect.layers` (layer name: parameter count)", value.value or {})
            out += [_count(v, path, f"{block}.layers.{name}", f"layers.{name}") for name, v in value.value.items()]
        else:
            out.append(_count(value, path, f"{block}.{key}", key))
    return tuple(out)


def _compute(node: Node | None, path: str) -> Compute | None:
    """`compute: {seq_len, batch, dtype, optimizer}`, each checked where it is written."""
    if node is None:
        return None
    from .cost.memory import CHOICES, OPTIMIZERS

    _mapping(node, path, "compute", "`compute`", COMPUTE_KEYS)
    given = node.value
    values = {}
    for key in ("seq_len", "batch"):
        if key in given:
            v = given[key].value
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise SpecError(_at(given[key], path, f"compute.{key}"), f"expected a whole number >= 1, got {shown(v)}")
            values[key] = v
    for key, choices in (("dtype", CHOICES), ("optimizer", tuple(OPTIMIZERS))):
        if key in given:
            v = given[key].value
            if not isinstance(v, str) or v not in choices:
                raise SpecError(_at(given[key], path, f"compute.{key}"), f"expected one of {', '.join(choices)}, "
                                f"got {shown(v)}" + (closest(v, choices) if isinstance(v, str) else ""))
            values[key] = v
    return Compute(values.get("seq_len"), values.get("batch", 1), values.get("dtype"), values.get("optimizer"),
                   _at(node, path, "compute"))


def _count(node: Node, path: str, keypath: str, key: str) -> Check:
    v = node.value
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        what = "a whole number >= 0" if key in COST_BUDGETS else "a parameter count (a whole number >= 0)"
        raise SpecError(_at(node, path, keypath), f"expected {what}, got {shown(v)}")
    return Check(key, v, _at(node, path, keypath))


def _layer(node: Node, reader: _Reader, keypath: str, cell: bool = False) -> LayerSpec:
    """`{ClassName: {arguments}}`, or a bare `ClassName`."""
    path, kinds = reader.path, reader.kinds
    if isinstance(node.value, str):
        class_name, args_node = node.value, None
    elif isinstance(node.value, dict) and len(node.value) == 1:
        (class_name, args_node), = node.value.items()
    else:
        raise SpecError(_at(node, path, keypath),
                        f"expected a layer as {{ClassName: {{arguments}}}} or a bare ClassName, got {describe(node)}")
    where = _at(node, path, f"{keypath}.{class_name}")
    reader.count_layer(where)
    kind = kinds.get(class_name)
    if kind is None:
        keras2 = kinds is registry.KINDS and class_name in registry.KERAS2_KINDS
        raise SpecError(where, f"unknown layer `{class_name}`" + ("; it is a Keras 2 (tf_keras) layer: add "
                               "`framework: keras2`" if keras2 else closest(class_name, kinds)))
    if kind.cell and not cell:
        raise SpecError(where, f"{class_name} is an RNN cell; wrap it: RNN: {{cell: {{{class_name}: ...}}}}")
    if cell and not kind.cell:
        raise SpecError(where, f"expected an RNN cell (SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells), got {class_name}")
    if args_node is not None and args_node.value is not None and not isinstance(args_node.value, dict):
        raise SpecError(_at(args_node, path, where.key), f"expected the arguments of {class_name} as a mapping, got {describe(args_node)}")
    given = args_node.value if args_node is not None and args_node.value else {}
    keys = args_node.keys if args_node is not None and args_node.keys else {}
    args = {}
    for key, value in given.items():
        line, column = keys[key]
        if key not in kind.args:
            raise SpecError(Where(path, line, column, f"{where.key}.{key}"),
                            f"unknown argument `{key}` for {class_name}{closest(key, kind.args)}")
        check, default = kind.args[key]
        subpath = f"{where.key}.{key}"
        if key in kind.nested:
            if value.value is None and default is registry.REQUIRED:
                raise SpecError(_at(value, path, subpath), f"expected {_NESTED_WHAT.get(key, 'a layer')} for "
                                                           f"`{key}`, got null")
            args[key] = None if value.value is None else _nested(kind, key, value, reader, subpath)
            continue
        try:
            args[key] = check(key, plain(value))
        except ArgumentError as e:
            raise SpecError(_at(value, path, subpath), str(e)) from None
    defaults, required = kind_defaults(kind)
    for key in required:
        if key not in args:
            raise SpecError(where, f"{class_name} needs `{key}`")
    return LayerSpec(kind, {**defaults, **args}, where)


_DEFAULTS: dict[int, tuple[dict, tuple]] = {}


def kind_defaults(kind: registry.Kind) -> tuple[dict, tuple]:
    """A kind's default arguments and its required ones, worked out once per kind (by
    identity: Keras's GRU and PyTorch's GRU share a class name)."""
    if id(kind) not in _DEFAULTS:
        defaults = {k: d for k, (_, d) in kind.args.items() if d is not registry.REQUIRED}
        required = tuple(k for k, (_, d) in kind.args.items() if d is registry.REQUIRED)
        _DEFAULTS[id(kind)] = (defaults, required)
    return _DEFAULTS[id(kind)]


_NESTED_WHAT = {"layers": "a list of layers", "model": "a functional model (inputs, layers, outputs)",
                "cell": "an RNN cell", "cells": "a list of RNN cells"}


def _nested(kind: registry.Kind, key: str, node: Node, reader: _Reader, keypath: str):
    path = reader.path
    if key == "layers":  # a Sequential model used as a layer, a Pipeline
        if not isinstance(node.value, list) or not node.value:
            raise SpecError(_at(node, path, keypath), "expected a non-empty list of layers")
        return tuple(_layer(n, reader, f"{keypath}[{i}]") for i, n in enumerate(node.value))
    if kind.class_name == "Functional":
        return _functional_model(node, reader, keypath)
    if key == "cells" or (key == "cell" and isinstance(node.value, list)):
        if not isinstance(node.value, list) or not node.value:
            raise SpecError(_at(node, path, keypath), "expected a non-empty list of RNN cells")
        cells = tuple(_layer(n, reader, f"{keypath}[{i}]", cell=True) for i, n in enumerate(node.value))
        if key == "cells":
            return cells
        # keras.layers.RNN wraps a list of cells in StackedRNNCells
        stacked = registry.KINDS["StackedRNNCells"]
        args = {**kind_defaults(stacked)[0], "cells": cells}
        return LayerSpec(stacked, args, _at(node, path, keypath))
    inner = _layer(node, reader, keypath, cell=key == "cell")
    recurrent = registry.KERAS2_RECURRENT if reader.kinds is registry.KERAS2_KINDS else registry.RECURRENT
    if kind.class_name == "Bidirectional" and inner.kind.class_name not in recurrent:
        raise SpecError(inner.where, f"Bidirectional wraps a recurrent layer ({', '.join(recurrent)}), "
                                     f"got {inner.kind.class_name}")
    return inner

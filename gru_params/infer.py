"""A ModelSpec to a Summary: shapes propagated and layers named as Keras does, weights counted."""

from __future__ import annotations

import math
from typing import NamedTuple

from .conventions import keras_name
from .errors import ArgumentError, SpecError
from .formulas import GateCount
from .layers import Built, W, fmt
from .spec import LayerSpec, ModelSpec

class Row(NamedTuple):
    """One layer of the summary, with the layers inside it for --expand."""

    name: str
    class_name: str
    output_shape: tuple | list  # (None, 75), or a list of shapes for several outputs
    params: int
    # As Keras's layer.trainable_weights: 0 when the layer itself is frozen, else its
    # weights that are trainable.
    trainable_params: int
    trainable: bool  # the layer's own `trainable` flag
    weights: tuple[W, ...]  # W.trainable: frozen or not for the model (see layers.Kind)
    children: tuple  # of Row
    gates: tuple[GateCount, ...]
    line: int  # where the layer is in the spec

    @property
    def non_trainable_params(self) -> int:
        return self.params - self.trainable_params


class Summary(NamedTuple):
    name: str
    path: str
    framework: str
    input_shape: tuple
    rows: tuple[Row, ...]

    @property
    def total_params(self) -> int:
        return sum(r.params for r in self.rows)

    @property
    def trainable_params(self) -> int:
        """As Keras's model.trainable_weights: every weight not frozen where it was created,
        which is not always the sum of the rows (a frozen Bidirectional row shows 0, yet
        the LSTMs inside it were built trainable)."""
        return sum(math.prod(w.shape) for r in self.rows for w in r.weights if w.trainable)

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params


def summarize(spec: ModelSpec) -> Summary:
    """The Keras summary of a spec's model. Raises `SpecError` where shapes do not fit."""
    # PyTorch: nn.Sequential names its modules by index; torchinfo shows a batch of 1
    torch = spec.framework == "pytorch"
    names = {id(layer): str(i) for i, layer in enumerate(spec.layers)} if torch else _names(spec.layers)
    batch = 1 if torch else None
    seen: dict[str, LayerSpec] = {}
    for layer in spec.layers:
        name = names[id(layer)]
        if name in seen:
            raise SpecError(layer.where, f"duplicate layer name `{name}` (also {seen[name].where.key}, "
                                         f"line {seen[name].where.line}); layer names must be unique")
        seen[name] = layer
    input_shape = (batch, *_input_shape(spec))
    shape = input_shape
    rows = []
    for i, layer in enumerate(spec.layers):
        if isinstance(shape, list):
            prev = rows[-1]
            raise SpecError(layer.where, f"the previous layer `{prev.name}` returns {len(shape)} tensors "
                                         f"{fmt(shape)}; in a Sequential model only the last layer may")
        row = _build(layer, shape, names[id(layer)], names)
        rows.append(row)
        shape = row.output_shape
    return Summary(spec.name, spec.path, spec.framework, input_shape, tuple(rows))


def _input_shape(spec: ModelSpec) -> tuple:
    if spec.input is not None:
        return spec.input
    first = spec.layers[0].args  # Keras 2 style: the first layer's input_shape / input_dim
    if first.get("input_shape") is not None:
        return first["input_shape"]
    if first.get("input_dim") is not None and spec.layers[0].kind.class_name != "Embedding":
        return (first["input_dim"],)
    raise SpecError(spec.where, "missing `input`: add the per-sample input shape, like `input: [28, 28]` "
                                "(time steps, features) or `input: [500]` (tokens)")


def _names(layers) -> dict[int, str]:
    """Name every layer as a fresh Keras session would: a wrapped layer is built (and so
    named) before its wrapper, and each auto-name takes the next number of its prefix."""
    counters: dict[str, int] = {}
    names: dict[int, str] = {}

    def visit(spec: LayerSpec) -> None:
        for key in spec.kind.nested:
            inner = spec.args[key]  # one LayerSpec, a tuple of them (cells), or None
            for child in (inner,) if isinstance(inner, LayerSpec) else inner or ():
                visit(child)
        given = spec.args.get("name")
        if given is None:
            prefix = keras_name(spec.kind.class_name)
            n = counters.get(prefix, 0)
            counters[prefix] = n + 1
            given = prefix if n == 0 else f"{prefix}_{n}"
        names[id(spec)] = given

    for layer in layers:
        visit(layer)
    return names


def _build(spec: LayerSpec, shape, name: str, names) -> Row:
    trainable = spec.args.get("trainable", True)  # SpatialDropout1D takes no `trainable`

    def nested(inner: LayerSpec, inner_shape, prefix: str = ""):
        """What a wrapper's build sees of a layer inside it: its output and its weights,
        named under it (forward_lstm/kernel); and its row, for --expand."""
        row = _build(inner, inner_shape, prefix + names[id(inner)], names)
        weights = tuple(w._replace(name=f"{row.name}/{w.name}") for w in row.weights)
        return Built(row.output_shape, weights, (), row.gates), row

    try:
        built = spec.kind.build(spec.args, shape, nested)
    except ArgumentError as e:
        raise SpecError(spec.where, f"{e}") from None
    weights = built.weights  # a wrapper's come from its nested layers, frozen as they were built
    if spec.kind.freezes_own_weights and not spec.kind.nested and not trainable:
        weights = tuple(w._replace(trainable=False) for w in weights)
    return Row(
        name=name,
        class_name=spec.kind.class_name,
        output_shape=built.output,
        params=sum(_size(w) for w in weights),
        trainable_params=sum(_size(w) for w in weights if w.trainable) if trainable else 0,
        trainable=trainable,
        weights=weights,
        children=built.children,
        gates=built.gates,
        line=spec.where.line,
    )


def _size(w: W) -> int:
    return math.prod(w.shape)

"""A ModelSpec to a Summary: shapes propagated and layers named as Keras does, weights counted."""

from __future__ import annotations

import heapq
import math
from typing import NamedTuple

from .conventions import keras_name
from .errors import ArgumentError, SpecError, closest
from .formulas import GateCount
from .layers import TENSOR, TENSORS, Built, W, fits, fmt
from .limits import MAX_TENSORS
from .spec import InputSpec, LayerSpec, ModelSpec, Ref

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
    connected_to: tuple[str, ...] = ()  # functional models: the tensors it is called on, `encoder[0][1]`
    # A checkpoint's module: what its tensors say of it, in order (("hidden_size", 128), ...), and
    # the tensors it holds that are not parameters (BatchNorm's running statistics)
    attributes: tuple[tuple[str, object], ...] = ()
    buffers: tuple[W, ...] = ()
    # A checkpoint's tied weights: (the tensor under this module's name, the name it was first
    # stored under), counted there and not here, as torch's parameters() counts a tensor once
    shared: tuple[tuple[W, str], ...] = ()
    # With a batch to cost (summarize's `batch`): the multiply-accumulates of one forward pass of
    # that batch (layers/costs.py), None where not known; and a recurrent layer's of one step
    macs: int | None = None
    macs_per_step: int | None = None
    # and the values its forward pass keeps for backward, an estimate: (in the model's dtype, int64)
    kept: tuple[int, int] | None = None

    @property
    def non_trainable_params(self) -> int:
        return self.params - self.trainable_params


class Summary(NamedTuple):
    name: str
    path: str
    framework: str
    input_shape: tuple | list  # a list of shapes for a functional model
    rows: tuple[Row, ...]
    functional: bool = False  # rows include the InputLayers and say what each layer is called on
    graph: bool = False  # Keras prints the `Connected to` column: a functional model that is not a chain
    output_shapes: tuple = ()  # a functional model's outputs
    # "model": built from a spec or a saved Keras model; "checkpoint" (a state_dict or .safetensors)
    # and "onnx": read from the tensors a file holds, one row a module or node, no shapes
    kind: str = "model"

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

    def bytes(self, trainable: bool | None = None) -> int:
        """The weights' size as Keras's summary gives it (each weight's dtype): all of them,
        or the trainable or non-trainable ones."""
        return sum(math.prod(w.shape) * w.itemsize for r in self.rows for w in r.weights
                   if trainable is None or w.trainable == trainable)


def summarize(spec: ModelSpec, batch: int | None = None) -> Summary:
    """The Keras summary of a spec's model. Raises `SpecError` where shapes do not fit. With a
    `batch`, each row also has the MACs of a forward pass of that many samples (see cost/)."""
    if spec.summary is not None:  # a checkpoint: read from its tensors, nothing to infer
        return spec.summary
    if spec.source is not None:
        raise SpecError(spec.source[1], "stands for a saved file, which load_spec reads (a spec's text alone "
                                        "cannot be summarized)")
    s = _functional(spec, batch=batch) if spec.inputs is not None else _sequential(spec, batch)
    return s._replace(rows=tuple(map(_keras2_freeze, s.rows))) if spec.keras2 else s


def _keras2_freeze(row: Row, frozen: bool = False) -> Row:
    """Keras 2: a weight is trainable only if every layer around it is."""
    frozen = frozen or not row.trainable
    if not frozen:
        return row._replace(children=tuple(_keras2_freeze(c) for c in row.children))
    return row._replace(weights=tuple(w._replace(trainable=False) for w in row.weights), trainable_params=0,
                        children=tuple(_keras2_freeze(c, True) for c in row.children))


def _sequential(spec: ModelSpec, batch: int | None) -> Summary:
    # PyTorch: nn.Sequential names its modules by index; torchinfo shows a batch of 1 (or the
    # batch the cost is for, as torchinfo shows the input_size it is given)
    torch = spec.framework == "pytorch"
    names = _ModuleNames((id(layer), str(i)) for i, layer in enumerate(spec.layers)) if torch else _names(spec.layers)
    names.batch = batch
    batch = (batch or 1) if torch else None
    _unique(spec.layers, names)
    input_shape = (batch, *sequential_input(spec))
    shape = input_shape
    rows = []
    for i, layer in enumerate(spec.layers):
        if isinstance(shape, list):
            prev = rows[-1]
            raise SpecError(layer.where, f"the previous layer `{prev.name}` returns {len(shape)} tensors "
                                         f"{fmt(shape)}; in a Sequential model only the last layer may")
        row = _build(layer, shape, names[id(layer)], names)
        rows.append(_module_paths(row) if torch else row)
        shape = row.output_shape
    return Summary(spec.name, spec.path, spec.framework, input_shape, tuple(rows))


def _unique(items, names) -> dict:
    """Name -> input or layer; an error for a name used twice (Keras refuses it too)."""
    seen = {}
    for item in items:
        name = names[id(item)]
        if name in seen:
            raise SpecError(item.where, f"duplicate name `{name}` (also {seen[name].where.key}, "
                                        f"line {seen[name].where.line}); layer and input names must be unique")
        seen[name] = item
    return seen


class _Call(NamedTuple):
    """What one layer of a functional model is called on."""

    positional: tuple[Ref, ...]  # the input (or list of inputs), then MultiHeadAttention's value, key
    keywords: dict  # call argument -> Ref, tuple of Refs, or a value
    tensors: tuple[Ref, ...]  # every tensor, in Keras's order: positional, then keywords by name


def _call(layer: LayerSpec, default: Ref) -> _Call:
    given = layer.call.get("inputs", default)
    kind = layer.kind
    if kind.many_inputs:
        positional = (given,)
    else:
        refs = (given,) if isinstance(given, Ref) else given
        if len(refs) > 1 + len(kind.positional):
            takes = " or ".join(["one tensor", *(f"[input, {', '.join(kind.positional[:n])}]"
                                                 for n in range(1, len(kind.positional) + 1))])
            raise SpecError(refs[0].where, f"{kind.class_name} is called on {takes}, got {len(refs)} tensors")
        positional = refs
    keywords = {k: v for k, v in layer.call.items() if k != "inputs"}
    for key, ref in zip(kind.positional, positional[1:]):
        if key in keywords:
            raise SpecError(ref.where, f"`{key}` is given twice: in `inputs` and as `{key}`")
    tensors = []
    for value in (*positional, *(keywords[k] for k in sorted(keywords) if kind.call[k] in (TENSOR, TENSORS))):
        tensors += (value,) if isinstance(value, Ref) else value
    return _Call(positional, keywords, tuple(tensors))


def _functional(spec: ModelSpec, names: dict | None = None, called_on: list | None = None,
                batch: int | None = None) -> Summary:
    """A graph of layers: each built once its inputs are, and listed as Keras's map_graph
    lists `model.layers` (keras/src/ops/function.py). A model used as a layer gets the
    names of the whole model and the shapes it is `called_on`, one per input."""
    if names is None:
        names = _names(spec.layers)
        names.batch = batch
    names.update((id(i), i.name) for i in spec.inputs)
    if called_on is not None:
        declared = [(None, *i.shape) for i in spec.inputs]
        if len(called_on) != len(declared) or not all(map(fits, called_on, declared)):
            raise ArgumentError(f"the model takes {fmt(declared)}, got {fmt(called_on)}")
    owner = _unique((*spec.inputs, *spec.layers), names)
    calls, previous = {}, None
    for layer in spec.layers:
        if previous is not None:
            default = Ref(names[id(previous)], None, layer.where)
        elif len(spec.inputs) == 1:
            default = Ref(spec.inputs[0].name, None, layer.where)
        else:
            default = None
        if default is None and "inputs" not in layer.call:
            raise SpecError(layer.where, f"needs `inputs:`: the model has {len(spec.inputs)} inputs "
                                         f"({', '.join(i.name for i in spec.inputs)})")
        calls[id(layer)] = _call(layer, default)
        previous = layer
    outputs = spec.outputs or (Ref(names[id(spec.layers[-1])], None, spec.layers[-1].where),)
    for ref in (*(r for call in calls.values() for r in call.tensors), *outputs):
        if ref.name not in owner:
            raise SpecError(ref.where, f"unknown input or layer `{ref.name}`{closest(ref.name, owner)}")

    rows: dict[str, Row] = {i.name: _input_row(i) for i in spec.inputs}
    for layer in _in_call_order(spec.layers, calls, names, owner):
        call = calls[id(layer)]
        shape = _shapes(call.positional[0], rows)
        keywords = {k: _shapes(v, rows) if layer.kind.call[k] in (TENSOR, TENSORS) else v
                    for k, v in call.keywords.items()}
        keywords.update((k, _shapes(r, rows)) for k, r in zip(layer.kind.positional, call.positional[1:]))
        connected = tuple(f"{r.name}[0][{r.index or 0}]" for r in call.tensors)
        rows[names[id(layer)]] = _build(layer, shape, names[id(layer)], names, keywords)._replace(
            connected_to=connected)
    outputs = tuple(every for ref in outputs for every in _every_output(ref, rows))
    output_shapes = tuple(_tensor_shape(ref, rows) for ref in outputs)
    parents = {name: [r.name for r in calls[id(item)].tensors] if isinstance(item, LayerSpec) else []
               for name, item in owner.items()}
    order, chain = _graph_order([r.name for r in outputs], [i.name for i in spec.inputs], parents, owner)
    input_shapes = [rows[i.name].output_shape for i in spec.inputs]
    return Summary(spec.name, spec.path, spec.framework, input_shapes, tuple(rows[n] for n in order), True,
                   not chain, output_shapes)


def _every_output(ref: Ref, rows: dict) -> tuple[Ref, ...]:
    """An output named without an index stands for all of its layer's tensors, as
    keras.Model(inputs, lstm(x)) takes the list an LSTM with return_state returns."""
    out = rows[ref.name].output_shape
    if ref.index is None and isinstance(out, list):
        return tuple(ref._replace(index=i) for i in range(len(out)))
    return (ref,)


def _input_row(i: InputSpec) -> Row:
    return Row(i.name, "InputLayer", (None, *i.shape), 0, 0, True, (), (), (), i.where.line, macs=0, kept=(0, 0))


def _shapes(value, rows: dict):
    """The shape of one referenced tensor, or the list of shapes of several."""
    return _tensor_shape(value, rows) if isinstance(value, Ref) else [_tensor_shape(r, rows) for r in value]


def _tensor_shape(ref: Ref, rows: dict):
    """The shape of the tensor `ref` names: one of its layer's outputs."""
    out = rows[ref.name].output_shape
    if isinstance(out, list):
        if ref.index is None:
            picks = ", ".join(f"{ref.name}[{i}]" for i in range(len(out)))
            raise SpecError(ref.where, f"`{ref.name}` returns {len(out)} tensors {fmt(out)}; name one: {picks}")
        if ref.index >= len(out):
            raise SpecError(ref.where, f"`{ref.name}` returns {len(out)} tensors, so `{ref}` does not exist "
                                       f"(they are {ref.name}[0] to {ref.name}[{len(out) - 1}])")
        return out[ref.index]
    if ref.index not in (None, 0):
        raise SpecError(ref.where, f"`{ref.name}` returns one tensor, so `{ref}` does not exist; write `{ref.name}`")
    return out


def _in_call_order(layers, calls, names, owner) -> list[LayerSpec]:
    """The layers, each after the layers it is called on (spec order where free); an error
    naming the layers of a cycle."""
    position = {id(layer): i for i, layer in enumerate(layers)}
    waiting = {id(layer): {id(owner[r.name]) for r in calls[id(layer)].tensors if isinstance(owner[r.name], LayerSpec)}
               for layer in layers}
    users: dict[int, list] = {}
    for layer in layers:
        for dep in waiting[id(layer)]:
            users.setdefault(dep, []).append(layer)
    ready = [(position[id(layer)], layer) for layer in layers if not waiting[id(layer)]]
    heapq.heapify(ready)
    order = []
    while ready:
        _, layer = heapq.heappop(ready)
        order.append(layer)
        for user in users.get(id(layer), ()):
            waiting[id(user)].discard(id(layer))
            if not waiting[id(user)]:
                heapq.heappush(ready, (position[id(user)], user))
    if len(order) < len(layers):
        by_id = {id(layer): layer for layer in layers}
        layer, path = next(layer for layer in layers if waiting[id(layer)]), []
        while layer not in path:  # follow unbuilt inputs until one repeats
            path.append(layer)
            layer = by_id[min(waiting[id(layer)], key=lambda i: position[i])]
        cycle = path[path.index(layer):] + [layer]
        raise SpecError(layer.where, "the layers form a cycle: " + " <- ".join(
            f"{names[id(x)]} (line {x.where.line})" for x in cycle))
    return order


def _graph_order(outputs: list[str], inputs: list[str], parents: dict, owner: dict) -> tuple[list[str], bool]:
    """keras/src/ops/function.py map_graph: a depth-first walk from the outputs numbers the
    layers; each layer's depth is the longest path to an output; layers are listed by
    depth, deepest first, ties in walk order. Also whether the graph is a chain (one
    layer per depth, each on one tensor), which Keras prints without `Connected to`."""
    index: dict[str, int] = {}
    finished: set[str] = set()
    post: list[str] = []
    for root in outputs:
        if root in finished:
            continue
        index.setdefault(root, len(index))
        stack = [(root, iter(parents[root]))]
        while stack:
            name, todo = stack[-1]
            for parent in todo:
                if parent not in finished:
                    index.setdefault(parent, len(index))
                    stack.append((parent, iter(parents[parent])))
                    break
            else:
                stack.pop()
                if name not in finished:
                    finished.add(name)
                    post.append(name)
    for name, item in owner.items():
        if name not in finished and isinstance(item, LayerSpec):
            raise SpecError(item.where, f"`{name}` is not connected to the model's outputs "
                                        f"({', '.join(outputs)}); use its output or remove it")
    depth: dict[str, int] = {}
    for name in reversed(post):
        d = depth.setdefault(name, 0)
        for parent in parents[name]:
            depth[parent] = max(d + 1, depth.get(parent, 0))
    for name in inputs:  # an input no output uses: depth 0, listed first
        if name not in depth:
            depth[name], index[name] = 0, -1
    order = sorted(depth, key=lambda n: (-depth[n], index[n]))
    by_depth: dict[int, list[str]] = {}
    for name in order:
        by_depth.setdefault(depth[name], []).append(name)
    chain = all(len(names) == 1 and len(parents[names[0]]) <= 1 for names in by_depth.values())
    return order, chain


def sequential_input(spec: ModelSpec) -> tuple:
    if spec.input is not None:
        return spec.input
    first = spec.layers[0].args  # Keras 2 style: the first layer's input_shape / input_dim
    if first.get("input_shape") is not None:
        return first["input_shape"]
    if first.get("input_dim") is not None and spec.layers[0].kind.class_name != "Embedding":
        return (first["input_dim"],)
    raise SpecError(spec.where, "missing `input`: add the per-sample input shape, like `input: [28, 28]` "
                                "(time steps, features) or `input: [500]` (tokens)")


class _Names(dict):
    """id(layer or input) -> its name, for one summary. It also counts the weight tensors
    built so far: a wrapper holds copies of its layers' tensors, so nesting multiplies them."""

    tensors = 0
    batch: int | None = None  # the batch whose MACs each row gets; None: no MACs

    def built(self, spec: LayerSpec, weights: tuple) -> None:
        self.tensors += len(weights)
        if self.tensors > MAX_TENSORS:
            raise SpecError(spec.where, f"the model has more than {MAX_TENSORS:,} weight tensors (counting those "
                                        "of nested layers once for each model or wrapper around them), gru-params's "
                                        "limit")


class _ModuleNames(_Names):
    """PyTorch: a module inside another is named by the module around it, as its attribute
    (`self_attn`, `layers`, `0`), which passes the name to `nested` as the prefix."""

    def __missing__(self, key) -> str:
        return ""


def _module_paths(row: Row) -> Row:
    """PyTorch: each module inside a module named by its path, `0.layers.1.linear1`, as
    named_modules() names it."""
    return row._replace(children=tuple(_module_paths(c._replace(name=f"{row.name}.{c.name}")) for c in row.children))


def _names(layers) -> _Names:
    """Name every layer as a fresh Keras session would: a wrapped layer is built (and so
    named) before its wrapper, and each auto-name takes the next number of its prefix."""
    counters: dict[str, int] = {}
    names = _Names()

    def visit(spec: LayerSpec) -> None:
        for key in spec.kind.nested:
            inner = spec.args[key]  # one LayerSpec, a tuple of them (cells, layers), a model, or None
            if isinstance(inner, ModelSpec):
                inner = inner.layers
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


def _build(spec: LayerSpec, shape, name: str, names, call: dict | None = None) -> Row:
    trainable = spec.args.get("trainable", True)  # SpatialDropout1D takes no `trainable`

    def nested(inner: LayerSpec | ModelSpec, inner_shape, prefix: str = ""):
        """What a wrapper's build sees of a layer inside it: its output and its weights,
        named under it (forward_lstm/kernel); and its row, for --expand. For a functional
        model inside, its outputs, all its weights and its rows."""
        if isinstance(inner, ModelSpec):
            s = _functional(inner, names, inner_shape)
            weights = tuple(w._replace(name=f"{r.name}/{w.name}") for r in s.rows for w in r.weights)
            out = list(s.output_shapes) if len(s.output_shapes) > 1 else s.output_shapes[0]
            return Built(out, weights, s.rows), None
        if inner.where is None:  # a module that a PyTorch module builds itself: where that module is
            inner = inner._replace(where=spec.where)
        row = _build(inner, inner_shape, prefix + names[id(inner)], names)
        weights = tuple(w._replace(name=f"{row.name}/{w.name}") for w in row.weights)
        return Built(row.output_shape, weights, (), row.gates), row

    try:
        built = spec.kind.build(spec.args, shape, nested, **call) if call else spec.kind.build(spec.args, shape, nested)
    except ArgumentError as e:
        raise SpecError(spec.where, f"{e}") from None
    weights = built.weights  # a wrapper's come from its nested layers, frozen as they were built
    names.built(spec, weights)
    if spec.kind.freezes_own_weights and not spec.kind.nested and not trainable:
        weights = tuple(w._replace(trainable=False) for w in weights)
    macs, per_step, kept = _costs(spec, shape, built._replace(weights=weights), call or {}, names.batch)
    return Row(
        name=name,
        class_name=spec.args[spec.kind.class_arg] if spec.kind.class_arg else spec.kind.class_name,
        output_shape=built.output,
        params=sum(_size(w) for w in weights),
        trainable_params=sum(_size(w) for w in weights if w.trainable) if trainable else 0,
        trainable=trainable,
        weights=weights,
        children=built.children,
        gates=built.gates,
        line=spec.where.line,
        macs=macs,
        macs_per_step=per_step,
        kept=kept,
    )


def _costs(spec: LayerSpec, shape, built: Built, call: dict, batch: int | None) -> tuple:
    """The layer's MACs (and those of a step) and the values it keeps for backward, by its
    kind's rules over its shapes with the batch axis at `batch`, where every other axis is
    known; else None."""
    if batch is None:
        return None, None, None
    tensors = {k: v for k, v in call.items() if spec.kind.call.get(k) in (TENSOR, TENSORS)}
    for k in spec.kind.positional:
        if k in call:
            tensors[k] = call[k]
    try:
        sized = (_batched(shape, batch), built._replace(output=_batched(built.output, batch)),
                 {k: _batched(v, batch) for k, v in tensors.items()})
    except ValueError:  # an axis is not known
        return None, None, None
    arguments = (spec.args, sized[0], sized[1])
    call = {**call, **sized[2]}
    cost = spec.kind.macs(*arguments, **call) if spec.kind.macs else None
    kept = spec.kind.kept(*arguments, **call) if spec.kind.kept else None
    macs, per_step = (cost, None) if cost is None or isinstance(cost, int) else (cost.macs, cost.per_step)
    return macs, per_step, (kept, 0) if isinstance(kept, int) else kept


def _batched(shape, batch: int):
    """`shape` (or a list of shapes, or None) with its batch axis at `batch`; ValueError if another axis is unknown."""
    if shape is None:
        return None
    if isinstance(shape, list):
        return [_batched(s, batch) for s in shape]
    if None in shape[1:]:
        raise ValueError(shape)
    return (batch, *shape[1:])


def _size(w: W) -> int:
    return math.prod(w.shape)

"""An ONNX model (.onnx) to a `Summary`: a row for each node that reads stored weights, in graph
order; RNN, GRU and LSTM nodes checked against the operator's tensor shapes and split into gates.

What is counted is what the file holds, from each stored tensor's dims (no tensor data is read,
so a model whose weights sit in external data files is counted from the .onnx file alone):

- A parameter is a floating-point initializer that some node reads as a weight. It is counted
  once, at the first node that reads it so (a weight shared by two nodes shows on the first).
- Not parameters, listed as `buffers` of the row that reads them: integer and boolean
  initializers (shape vectors, indices), and floating ones read only as running statistics
  (BatchNormalization's input_mean and input_var) or as a recurrent node's initial state
  (initial_h, initial_c: torch's exporters store its default zero state there).
- A Constant node's tensor counts only where a recurrent node reads it as W, R, B or P: torch's
  exporters keep every parameter in an initializer and put only computed values (zero initial
  states, shape vectors) in Constant nodes.
- An Identity of a stored tensor is that tensor (torch's TorchScript exporter writes a shared
  weight once and an Identity for each other use).
- Initializers that no node reads are still in the file: a row "(unused initializers)" counts
  them. Other non-parameter initializers, read only by nodes without parameters, go to a row
  "(constants)".
- The nodes inside If, Loop and Scan bodies are walked: their rows are the children of the
  node that holds them.
"""

from __future__ import annotations

import math
import os
from collections import ChainMap
from typing import NamedTuple

from ..checkpoint import DTYPES, FLOATING
from ..errors import ArgumentError, SpecError, Where, fmt
from ..files import open_regular
from ..formulas import count_layer
from ..infer import Row, Summary
from ..layers import W
from ..limits import MAX_DEPTH, MAX_INT, MAX_NODES, MAX_ONNX_BYTES, MAX_RANK, MAX_TENSORS


_INSTALL = 'reading .onnx files needs the onnx package: pip install "gru-params[onnx]"'

# onnx.proto, TensorProto.DataType -> torch's name (checkpoint.DTYPES). The types missing here
# (STRING, and the 2-, 4- and 6-bit ones a whole number of bytes cannot size) are refused.
_DTYPES = {1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64", 9: "bool",
           10: "float16", 11: "float64", 12: "uint32", 13: "uint64", 14: "complex64", 15: "complex128",
           16: "bfloat16", 17: "float8_e4m3fn", 18: "float8_e4m3fnuz", 19: "float8_e5m2", 20: "float8_e5m2fnuz"}

_DEFAULT_DOMAINS = ("", "ai.onnx")
# onnx/defs/rnn/defs.cc: the operator -> formulas' kind; its weight inputs by position
_RECURRENT = {"RNN": "simplernn", "GRU": "gru", "LSTM": "lstm"}
_WEIGHTS = {1: "W", 2: "R", 3: "B", 7: "P"}  # P (peepholes) is LSTM's only
_STATES = {5: "initial_h", 6: "initial_c"}  # initial_c is LSTM's only
# Inputs that are state, not weights, of the other operators (onnx/defs/nn/defs.cc)
_STATISTICS = {"BatchNormalization": (3, 4)}  # input_mean, input_var


class _Stored:
    """A tensor the file holds: an initializer, or the value of a Constant node."""

    __slots__ = ("name", "shape", "dtype", "constant", "read", "weight_use")

    def __init__(self, name: str, shape: tuple[int, ...], dtype: str, constant: bool):
        self.name, self.shape, self.dtype, self.constant = name, shape, dtype, constant
        self.read = False  # some node reads it
        self.weight_use = False  # some node reads it as a weight

    @property
    def parameter(self) -> bool:
        return self.weight_use and self.dtype in FLOATING

    def w(self, parameter: bool = True) -> W:
        return W(self.name, self.shape, parameter, DTYPES[self.dtype], self.dtype)


class _Node(NamedTuple):
    """One node as pass 1 reads it: what each input is, and the graphs inside it."""

    key: str  # where it is: graph.node[3], graph.node[3].body.node[0]
    name: str
    op_type: str
    domain: str
    recurrent: str  # formulas' kind for an RNN, GRU or LSTM node of the default domain, else ""
    # by position: the _Stored it is, a text saying where a computed value comes from, or None (absent)
    inputs: tuple
    attributes: dict  # a recurrent node's attributes
    graphs: tuple  # ((attribute name, _Graph), ...)


class _Graph(NamedTuple):
    nodes: tuple[_Node, ...]
    initializers: tuple[_Stored, ...]


class _Count:
    """Nodes and stored tensors read so far, across every graph of the model."""

    def __init__(self, path: str):
        self.path, self.nodes, self.tensors = path, 0, 0

    def add(self, nodes: int = 0, tensors: int = 0) -> None:
        self.nodes += nodes
        self.tensors += tensors
        if self.nodes > MAX_NODES:
            raise SpecError(Where(self.path), f"holds more than {MAX_NODES:,} nodes, gru-params's limit")
        if self.tensors > MAX_TENSORS:
            raise SpecError(Where(self.path), f"holds more than {MAX_TENSORS:,} initializers, gru-params's limit")


def read_summary(path: str) -> Summary:
    """The parameters an ONNX model file holds: a row for each node that reads weights, in graph
    order. Raises `SpecError` naming the file on anything it cannot read or that contradicts
    itself (a recurrent node's tensors against its hidden_size)."""
    model = _load(path)
    where = Where(path)
    if not model.HasField("graph"):
        raise SpecError(where, "is not an ONNX model: it holds no graph")
    graph = _read_graph(model.graph, ChainMap(), "graph", 0, _Count(path))
    del model  # the parsed proto holds every tensor's data: free it before building the rows
    rows = _rows(graph, set(), path)
    name = os.path.splitext(os.path.basename(path))[0]
    return Summary(name=name, path=path, framework="onnx", input_shape=(), rows=tuple(rows), kind="onnx")


def _load(path: str):
    """The file's ModelProto, its size bounded before it is read."""
    where = Where(path)
    with open_regular(path) as f:
        size = os.fstat(f.fileno()).st_size
        if size > MAX_ONNX_BYTES:
            raise SpecError(where, f"is larger than {MAX_ONNX_BYTES // 2**30} GiB, protobuf's limit for an ONNX "
                                   f"file (a larger model keeps its weights in external data files)")
        try:
            import onnx
            from google.protobuf.message import Error as ProtobufError
        except ImportError:
            raise SpecError(where, _INSTALL) from None
        try:
            data = f.read(size + 1)  # no further than the size checked (a file still growing is cut there)
        except OSError as e:
            raise SpecError(where, f"cannot be read: {e.strerror or e}") from None
    if len(data) > MAX_ONNX_BYTES:
        raise SpecError(where, f"is larger than {MAX_ONNX_BYTES // 2**30} GiB, protobuf's limit for an ONNX file")
    try:
        # onnx.load(path, load_external_data=False) on the bytes already read: the same parser, and
        # external data is never loaded from bytes
        return onnx.load_model_from_string(data)
    except (ProtobufError, ValueError, RuntimeError, RecursionError) as e:
        raise SpecError(where, f"is not a valid ONNX model ({type(e).__name__}: {e})") from None


# ---- pass 1: the protobuf to plain records -------------------------------------------------------


def _read_graph(graph, outer: ChainMap, key: str, depth: int, count: _Count) -> _Graph:
    """A graph's nodes with their inputs resolved to stored tensors where they are some.
    `outer` maps the names of enclosing graphs: a body reads them as its own."""
    path = count.path
    if depth > MAX_DEPTH:
        raise SpecError(Where(path, key=key), f"graphs nest more than {MAX_DEPTH} deep, gru-params's limit")
    if len(graph.sparse_initializer):
        raise SpecError(Where(path, key=key), "holds sparse initializers, which gru-params does not count")
    count.add(nodes=len(graph.node), tensors=len(graph.initializer))
    scope = outer.new_child()
    for value in graph.input:  # a graph input that is also an initializer is a weight with a default
        scope[value.name] = "a graph input"
    initializers = _initializers(graph, key, path)
    scope.update(initializers)
    nodes = []
    for i, node in enumerate(graph.node):
        node_key = f"{key}.node[{i}]"
        if _aliased(node, scope, path, node_key):
            continue
        name = node.name or f"{node.op_type}_{i}"
        default = node.domain in _DEFAULT_DOMAINS
        recurrent = _RECURRENT.get(node.op_type, "") if default else ""
        inputs = tuple(scope.get(n, f"`{n}`, which no earlier node gives") if n else None for n in node.input)
        for position, value in enumerate(inputs):
            if isinstance(value, _Stored):
                value.read = True
                value.weight_use |= _weight_use(node.op_type if default else "", position, value.constant)
        attributes = _recurrent_attributes(node, Where(path, key=node_key)) if recurrent else {}
        graphs = tuple((label, _read_graph(g, scope, f"{node_key}.{label}", depth + 1, count))
                       for a in node.attribute for label, g in _subgraphs(a))
        nodes.append(_Node(node_key, name, node.op_type, node.domain, recurrent, inputs, attributes, graphs))
        for output in node.output:
            if output:
                scope[output] = f"node `{name}`"
    return _Graph(tuple(nodes), tuple(initializers.values()))


def _initializers(graph, key: str, path: str) -> dict[str, _Stored]:
    found: dict[str, _Stored] = {}
    for i, tensor in enumerate(graph.initializer):
        where = Where(path, key=f"{key}.initializer[{i}]")
        if tensor.name in found:  # the second would hide the first, which would then go uncounted
            raise SpecError(where, f"a second initializer named `{tensor.name}`; initializer names must be unique")
        found[tensor.name] = _stored(tensor, tensor.name, False, where)
    return found


def _aliased(node, scope: ChainMap, path: str, key: str) -> bool:
    """Whether `node` only names a stored tensor: a Constant (its value), or an Identity of a
    stored tensor (the tensor itself). Its output is then that tensor, and the node no row."""
    if node.domain not in _DEFAULT_DOMAINS or len(node.output) != 1 or not node.output[0]:
        return False
    if node.op_type == "Identity" and len(node.input) == 1 and isinstance(scope.get(node.input[0]), _Stored):
        scope[node.output[0]] = scope[node.input[0]]
        return True
    if node.op_type == "Constant":
        value = next((a.t for a in node.attribute if a.name == "value" and a.HasField("t")), None)
        # a value of a type gru-params cannot size is only ever a computed value here, never a weight
        if value is not None and value.data_type in _DTYPES:
            scope[node.output[0]] = _stored(value, node.output[0], True, Where(path, key=key))
            return True
    return False


def _subgraphs(attribute) -> tuple:
    """The graphs an attribute holds, with their labels: If's then_branch and else_branch, Loop's
    and Scan's body."""
    if attribute.HasField("g"):
        return ((attribute.name, attribute.g),)
    return tuple((f"{attribute.name}[{j}]", g) for j, g in enumerate(attribute.graphs))


def _stored(tensor, name: str, constant: bool, where: Where) -> _Stored:
    """A TensorProto's name, shape and dtype, checked; its data is never touched."""
    what = f"the Constant `{name}`" if constant else f"initializer `{name}`"
    if tensor.data_type not in _DTYPES:
        raise SpecError(where, f"{what} has data type {_type_name(tensor.data_type)}, which gru-params cannot size "
                               f"(it knows {', '.join(_DTYPES.values())})")
    if len(tensor.dims) > MAX_RANK:
        raise SpecError(where, f"{what} has {len(tensor.dims)} axes; gru-params's limit is {MAX_RANK}")
    shape = tuple(tensor.dims)
    if any(d < 0 for d in shape):
        raise SpecError(where, f"{what} has a negative size in its shape {fmt(shape)}")
    if math.prod(shape) > MAX_INT:
        raise SpecError(where, f"{what} has shape {fmt(shape)}: more values than int64 can count")
    return _Stored(name, shape, _DTYPES[tensor.data_type], constant)


def _type_name(data_type: int) -> str:
    from onnx import TensorProto  # only on the error path, and only once onnx imported

    try:
        return f"{TensorProto.DataType.Name(data_type)} ({data_type})"
    except ValueError:
        return f"{data_type} (not a TensorProto.DataType)"


def _weight_use(op: str, position: int, constant: bool) -> bool:
    """Whether a node of operator `op` ("" for one outside the default domain) reads its input
    at `position` as a weight."""
    if op in _RECURRENT:
        return position in _WEIGHTS and (position != 7 or op == "LSTM")
    return not constant and position not in _STATISTICS.get(op, ())


# The attributes of RNN, GRU and LSTM that bear on their tensors, with their types and defaults
_ATTRIBUTES = {"direction": ("STRING", "forward"), "hidden_size": ("INT", None), "linear_before_reset": ("INT", 0),
               "layout": ("INT", 0), "input_forget": ("INT", 0)}


def _recurrent_attributes(node, where: Where) -> dict:
    from onnx import AttributeProto

    found = {name: default for name, (_, default) in _ATTRIBUTES.items()}
    for a in node.attribute:
        if a.name not in _ATTRIBUTES:
            continue
        kind = _ATTRIBUTES[a.name][0]
        if a.type != getattr(AttributeProto, kind):
            raise SpecError(where, f"{node.op_type} node `{node.name}`: attribute `{a.name}` should be "
                                   f"{'text' if kind == 'STRING' else 'an integer'}")
        found[a.name] = a.s.decode("utf-8", "replace") if kind == "STRING" else a.i
    if found["direction"] not in ("forward", "reverse", "bidirectional"):
        raise SpecError(where, f"{node.op_type} node `{node.name}`: expected forward, reverse or bidirectional "
                               f"for `direction`, got {found['direction']!r}")
    if found["hidden_size"] is not None and found["hidden_size"] <= 0:
        raise SpecError(where, f"{node.op_type} node `{node.name}`: expected a positive integer for "
                               f"`hidden_size`, got {found['hidden_size']}")
    return found


# ---- pass 2: the records to rows ----------------------------------------------------------------


def _rows(graph: _Graph, listed: set, path: str) -> list[Row]:
    """The rows of one graph, in node order, then its initializers no row lists. `listed` holds
    the stored tensors already on a row, across the whole model."""
    rows = []
    for node in graph.nodes:
        if node.recurrent:
            rows.append(_recurrent_row(node, listed, path))
            continue
        weights = _claim_weights(node, listed)  # a node's own inputs are read before the graphs inside it run
        children = tuple(r._replace(name=f"{label}/{r.name}") for label, g in node.graphs
                         for r in _rows(g, listed, path))
        if weights or children:
            rows.append(_node_row(node, weights, _claim_buffers(node, listed), children))
    unused = [s for s in graph.initializers if s not in listed and not s.read]
    if unused:
        rows.append(_leftover_row("(unused initializers)", unused, True))
    constants = [s for s in graph.initializers if s not in listed and s.read]
    if constants:
        rows.append(_leftover_row("(constants)", constants, False))
    listed.update(unused, constants)
    return rows


def _claim_weights(node: _Node, listed: set) -> list[_Stored]:
    """The parameters `node` is the first to read as weights, now listed."""
    op = node.op_type if node.domain in _DEFAULT_DOMAINS else ""
    found = []
    for position, value in enumerate(node.inputs):
        if (isinstance(value, _Stored) and value.parameter and value not in listed
                and _weight_use(op, position, value.constant)):
            listed.add(value)
            found.append(value)
    return found


def _claim_buffers(node: _Node, listed: set) -> list[_Stored]:
    """The initializers `node` reads that are not parameters and no row lists yet, now listed."""
    found = []
    for value in node.inputs:
        if isinstance(value, _Stored) and not value.parameter and not value.constant and value not in listed:
            listed.add(value)
            found.append(value)
    return found


def _node_row(node: _Node, weights: list[_Stored], buffers: list[_Stored], children: tuple) -> Row:
    """Any node other than RNN, GRU and LSTM: its weights, and those of the graphs inside it (as
    a wrapper's row holds its layers')."""
    own = tuple(s.w() for s in weights)
    inner = tuple(w._replace(name=f"{r.name}/{w.name}") for r in children for w in r.weights)
    inner_buffers = tuple(w._replace(name=f"{r.name}/{w.name}") for r in children for w in r.buffers)
    params = sum(math.prod(w.shape) for w in own + inner)
    domain = () if node.domain in _DEFAULT_DOMAINS else (("domain", node.domain),)
    return Row(name=node.name, class_name=node.op_type, output_shape=(), params=params, trainable_params=params,
               trainable=True, weights=own + inner, children=children, gates=(), line=0, attributes=domain,
               buffers=tuple(s.w(False) for s in buffers) + inner_buffers)


def _leftover_row(name: str, tensors: list[_Stored], counted: bool) -> Row:
    """Initializers on no node's row: counted when no node reads them (they are in the file, and a
    runtime loads them), floating-point ones only."""
    weights = tuple(s.w() for s in tensors if counted and s.dtype in FLOATING)
    buffers = tuple(s.w(False) for s in tensors if not (counted and s.dtype in FLOATING))
    params = sum(math.prod(w.shape) for w in weights)
    return Row(name=name, class_name="Initializer", output_shape=(), params=params, trainable_params=params,
               trainable=True, weights=weights, children=(), gates=(), line=0, buffers=buffers)


def _recurrent_row(node: _Node, listed: set, path: str) -> Row:
    """An RNN, GRU or LSTM node: its stored W, R, B and P checked against hidden_size and
    direction, and split into gates when all of them are stored and counted here."""
    where = Where(path, key=node.key)
    attrs = node.attributes
    label = f"{node.op_type} node `{node.name}`"
    tensors = {role: node.inputs[p] for p, role in _WEIGHTS.items()
               if p < len(node.inputs) and node.inputs[p] is not None and (role != "P" or node.recurrent == "lstm")}
    for role in ("W", "R"):
        if role not in tensors:
            raise SpecError(where, f"{label} has no {role} input, which the operator requires")
    stored = {role: s for role, s in tensors.items() if isinstance(s, _Stored)}
    for role, s in stored.items():
        rank = 3 if role in ("W", "R") else 2
        if len(s.shape) != rank or s.dtype not in FLOATING:
            raise SpecError(where, f"{label}: {role} `{s.name}` is {s.dtype} of shape {fmt(s.shape)}; the operator "
                                   f"takes a floating-point {rank}-axis tensor")
    hidden = attrs["hidden_size"] or (stored["R"].shape[2] if "R" in stored else None)
    input_size = stored["W"].shape[2] if "W" in stored else None
    for size, role in ((hidden, "R"), (input_size, "W")):
        if size == 0:
            raise SpecError(where, f"{label}: {role} `{stored[role].name}` has shape {fmt(stored[role].shape)}, "
                                   f"with no {'hidden units' if role == 'R' else 'inputs'}")
    dirs = 2 if attrs["direction"] == "bidirectional" else 1
    layer = _expected(node, hidden, input_size, dirs, tensors, where) if hidden else None
    if layer is not None:
        _check_shapes(node, layer, stored, hidden, input_size, where)
        _check_states(node, hidden, dirs, where)
    shared = [role for role, s in stored.items() if s in listed]  # read as a weight by an earlier node
    weights = _claim_weights(node, listed)
    buffers = _claim_buffers(node, listed)
    computed = [f"{role} (from {text})" for role, text in tensors.items() if isinstance(text, str)]
    params = sum(math.prod(s.shape) for s in weights)
    whole = layer is not None and not computed and not shared
    return Row(name=node.name, class_name=node.op_type, output_shape=(), params=params, trainable_params=params,
               trainable=True, weights=tuple(s.w() for s in weights), children=(),
               gates=layer.gates if whole else (), line=0,
               attributes=_row_attributes(node, hidden, input_size, dirs, tensors, computed, shared, stored),
               buffers=tuple(s.w(False) for s in buffers))


def _expected(node: _Node, hidden: int, input_size: int | None, dirs: int, tensors: dict, where: Where):
    """formulas' LayerCount for the node: the shapes the operator gives its tensors (input_size 1
    stands in when W is computed: then W is not compared)."""
    gru = node.recurrent == "gru"
    try:
        return count_layer(node.recurrent, hidden, input_size or 1, framework="onnx", bidirectional=dirs == 2,
                           use_bias="B" in tensors, peepholes="P" in tensors,
                           reset_after=bool(node.attributes["linear_before_reset"]) if gru else None)
    except ArgumentError as e:
        raise SpecError(where, f"{node.op_type} node `{node.name}`: {e}") from None


def _check_shapes(node: _Node, layer, stored: dict, hidden: int, input_size: int | None, where: Where) -> None:
    """Each stored weight against the shape the operator gives it: a contradiction is an error,
    never a count."""
    for w in layer.weights:
        s = stored.get(w.name)
        if s is None or s.shape == w.shape:
            continue
        sizes = f"hidden_size {hidden}" + (f", input size {input_size}" if w.name == "W" else "")
        raise SpecError(where, f"{node.op_type} node `{node.name}`: {w.name} `{s.name}` has shape {fmt(s.shape)}, but "
                               f"{sizes} and direction {node.attributes['direction']} give {fmt(w.shape)}")


def _check_states(node: _Node, hidden: int, dirs: int, where: Where) -> None:
    """A stored initial_h or initial_c against hidden_size: torch 2.13's dynamo exporter writes an
    nn.LSTM with proj_size as an LSTM of hidden_size proj_size, its initial_c still hidden_size
    wide, a file that contradicts itself."""
    axis = 1 if node.attributes["layout"] else 0
    for position, role in _STATES.items():
        s = node.inputs[position] if position < len(node.inputs) else None
        if not isinstance(s, _Stored) or (role == "initial_c" and node.recurrent != "lstm"):
            continue
        if len(s.shape) != 3 or s.shape[axis] != dirs or s.shape[2] != hidden:
            want = f"({dirs}, batch, {hidden})" if axis == 0 else f"(batch, {dirs}, {hidden})"
            raise SpecError(where, f"{node.op_type} node `{node.name}`: {role} `{s.name}` has shape {fmt(s.shape)}, "
                                   f"but hidden_size {hidden} and direction {node.attributes['direction']} give {want}")


def _row_attributes(node: _Node, hidden, input_size, dirs, tensors, computed, shared, stored) -> tuple:
    """What the node says of its layer, in order; where a weight is not counted on this row, why."""
    attrs = node.attributes
    out = [("direction", attrs["direction"])]
    if hidden:
        out.append(("hidden_size", hidden))
    if input_size:
        out.append(("input_size", input_size))
    out += [("num_layers", 1), ("bidirectional", dirs == 2)]
    if node.recurrent == "gru":
        out.append(("linear_before_reset", 1 if attrs["linear_before_reset"] else 0))
    if node.recurrent == "lstm":
        out.append(("peepholes", "P" in tensors))
        if attrs["input_forget"]:
            out.append(("input_forget", 1))
    if attrs["layout"]:
        out.append(("layout", attrs["layout"]))
    if computed:  # counted where the initializers it is computed from are read
        out.append(("computed", ", ".join(computed)))
    if shared:  # counted on the earlier row that reads the same initializer
        out.append(("shared", ", ".join(f"{role} (`{stored[role].name}`)" for role in shared)))
    return tuple(out)

"""A model saved by Keras (.keras archive, model.to_json() file, legacy .h5) to a `ModelSpec`.

No framework is imported: the model's config is JSON, read here as a position-carrying
tree (JSON is YAML), and turned into the tree a spec file would give, so that the spec
parser checks every argument and an error points at the line and column of the config.
Every layer keeps the name Keras saved; a functional model's calls come from each
layer's `inbound_nodes`, in the Keras 3 form ({args, kwargs}) or the Keras 2 one
([[name, node, tensor, kwargs], ...]).
"""

from __future__ import annotations

import json
import lzma
import os
import re
import struct
import zipfile
import zlib

from .. import layers as registry
from . import keras_legacy as legacy, keras_stored as stored
from ..errors import GruParamsError, SpecError, Where, closest, shown
from ..files import open_regular, path_text
from ..limits import MAX_BYTES, MAX_DEPTH, MAX_NODES
from ..spec import ModelSpec, Ref, from_node
from ..yamlnodes import Node, describe, int64, parse, read_text
from .ziparchive import end_record

MODELS = ("Sequential", "Functional", "Model")
_NESTED = {"layer", "backward_layer", "cell", "cells", "layers"}  # layers: a Pipeline's
# Keys of a saved layer config that are not constructor arguments
_NOT_ARGUMENTS = {"batch_input_shape", "batch_shape", "build_config", "registered_name", "module"}
# Keras 2 (tf_keras) saves arguments Keras 3 no longer takes; at these values they change
# nothing, and MultiHeadAttention's build shapes are read from the call instead.
_KERAS2_DEFAULTS = {"time_major": False, "noise_shape": None, "softmax_robust_masking": False, "trainable": True}
_KERAS2_SHAPES = {"query_shape", "key_shape", "value_shape"}
_KERAS2_ONE_ITEM = {("BatchNormalization", "axis")}  # Keras 2 saves axis=-1 as [2]; Keras 3 takes an int
# Every class a saved file may hold: Keras 3's, and those only Keras 2 has (CuDNNLSTM, ...); the
# spec parser then checks each layer against the registry of the file's framework
_KINDS = {**registry.KERAS2_KINDS, **registry.KINDS}


def load_saved(path, output_shapes: dict | None = None, params: dict | None = None) -> ModelSpec:
    """Read the model saved at `path`. Raises `SpecError` (file, line, key) on bad input."""
    path = path_text(path)
    suffix = os.path.splitext(path)[1].lower()
    version = weights = None
    if suffix == ".keras":
        (text, version), where = _archive_config(path), f"{path}:config.json"
    elif suffix == ".json":
        text, where = read_text(path), path
    else:
        (text, version, weights), where = _h5_config(path), f"{path}:model_config"
    name = os.path.splitext(os.path.basename(path))[0]
    data = _json(text, where)
    if version is None and isinstance(data, dict):
        version = data.get("keras_version")
    version = version if isinstance(version, str) else None
    try:
        root = _unplaced(data, _Count(where))
    except _TooDeep:
        parse(text, where, "JSON")  # raises the error at its line and column
        raise SpecError(Where(where), f"nests deeper than {MAX_DEPTH} levels") from None
    warnings: list[str] = []
    try:  # fast: json's C parser, no positions
        spec = from_node(_spec_tree(root, where, name, version, output_shapes, warnings, params), where)
    except GruParamsError as error:
        fast = error
    else:  # the weights an .h5 or .keras file stores must agree with its config
        return stored.cross_check(spec._replace(warnings=tuple(warnings)), path, version, weights)
    # again with every node's line and column (ten times slower), to say where the error is
    from_node(_spec_tree(parse(text, where, "JSON"), where, name, version, output_shapes, None, params), where)
    raise fast  # the slow reading found nothing: the first error stands, without a line


_LONG_NUMBER = re.compile(r"\d{19}")  # as many digits as int64's limit: check every integer then


def _json(text: str, where: str):
    """A config's JSON, its integers in int64 range; else a SpecError, placed at its line and
    column by the slower YAML reader where it can be."""
    place = ()
    try:
        return json.loads(text, parse_int=_int if _LONG_NUMBER.search(text) else None)
    except json.JSONDecodeError as e:
        if not text.strip():
            raise SpecError(Where(where), "is empty; expected a Keras model config") from None
        problem, place = f"JSON syntax error: {e.msg}", (e.lineno, e.colno)
    except (ValueError, RecursionError):  # an integer out of range, or nesting deeper than json recurses
        problem = f"nests deeper than {MAX_DEPTH} levels, or holds an integer beyond 64 bits"
    parse(text, where, "JSON")  # raises the same error with its place, or a YAML syntax error
    raise SpecError(Where(where, *place), problem)  # what YAML reads but JSON does not (an alias, a comment)


def _int(text: str) -> int:
    value = int64(text)
    if value is None:
        raise ValueError(text)  # json.loads passes it on: placed by the YAML reader
    return value


class _TooDeep(Exception):
    """Nesting past MAX_DEPTH: the YAML reader says where."""


class _Count:
    """A config held to a spec's bounds as it becomes Nodes, so that what `convert` writes
    from it reads back: values (keys counted, as the YAML reader counts them) and nesting."""

    def __init__(self, where: str):
        self.where, self.nodes = where, 1

    def add(self, n: int, depth: int) -> None:
        self.nodes += n
        if self.nodes > MAX_NODES:
            raise SpecError(Where(self.where), f"has more than {MAX_NODES:,} values")
        if depth > MAX_DEPTH:
            raise _TooDeep

    def raw(self, value, depth: int) -> Node:
        """A value kept as plain data (an initializer's config), counted all the same."""
        todo = [(value, depth)] if isinstance(value, (dict, list)) else []
        while todo:
            item, at = todo.pop()
            self.add(2 * len(item) if isinstance(item, dict) else len(item), at)
            todo += [(v, at + 1) for v in (item.values() if isinstance(item, dict) else item)
                     if isinstance(v, (dict, list))]
        return Node(value, 0, 0)


# The keys this module reads as structure; any other value (an initializer, a dtype policy)
# only goes to the spec parser's `plain`, so it stays plain data inside its Node.
_STRUCTURE = {"class_name", "config", "layers", "layer", "backward_layer", "cell", "cells", "name", "trainable"}
_ALL_OF_IT = {"inbound_nodes", "input_layers", "output_layers", "batch_shape", "batch_input_shape",
              "build_input_shape"}


def _unplaced(value, count: _Count, depth: int = 1, deep: bool = False) -> Node:
    """JSON data as a Node tree without positions (line 0): enough when nothing is wrong."""
    if isinstance(value, dict):
        count.add(2 * len(value), depth)
        items = {k: _unplaced(v, count, depth + 1, deep or k in _ALL_OF_IT) if deep or k in _STRUCTURE or
                 k in _ALL_OF_IT else count.raw(v, depth + 1) for k, v in value.items()}
        return Node(items, 0, 0, dict.fromkeys(items, (0, 0)))
    if isinstance(value, list):
        count.add(len(value), depth)
        return Node([_unplaced(v, count, depth + 1, deep) for v in value], 0, 0)
    return Node(value, 0, 0)


# What zipfile and zlib raise on an archive that is damaged, encrypted or compressed with a
# method they do not know: each the file's fault.
_BAD_ZIP = (EOFError, NotImplementedError, RuntimeError, zlib.error, lzma.LZMAError, ValueError,
            struct.error)


def _archive_config(path: str) -> tuple[str, str | None]:
    """config.json of a .keras archive (a zip file), read without unpacking the weights, and
    the Keras version that metadata.json names."""
    with open_regular(path) as f:
        try:
            record = end_record(f)  # zipfile reads the whole directory: bound it first
            if record is not None and record.directory_size > MAX_BYTES:
                raise SpecError(Where(path), f"has a zip directory larger than {MAX_BYTES // 2**20} MiB; a .keras "
                                             "archive holds three files")
            with zipfile.ZipFile(f) as archive:
                if "config.json" not in archive.NameToInfo:
                    raise SpecError(Where(path), "is a zip archive without config.json, not a model saved by "
                                                 "Keras (model.save('model.keras'))")
                config = _member(archive, "config.json", path)
                metadata = _member(archive, "metadata.json", path) if "metadata.json" in archive.NameToInfo else None
        except zipfile.BadZipFile:
            raise SpecError(Where(path), "is not a .keras archive (not a readable zip file)") from None
        except _BAD_ZIP as e:
            raise SpecError(Where(path), f"is a damaged .keras archive ({type(e).__name__}: {_reason(e)})") from None
        except OSError as e:
            raise SpecError(Where(path), f"cannot be read: {e.strerror or e}") from None
    version = None
    if metadata is not None:
        try:
            version = json.loads(metadata).get("keras_version")
        except (ValueError, AttributeError, RecursionError):
            pass  # metadata only names the version; a damaged one leaves it unknown
    return _utf8(config, f"{path}:config.json"), version


def _member(archive: zipfile.ZipFile, name: str, path: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > MAX_BYTES:
        raise SpecError(Where(path), f"has a {name} larger than {MAX_BYTES // 2**20} MiB")
    with archive.open(info) as member:
        data = member.read(MAX_BYTES + 1)  # no more than declared, whatever the compressed stream holds
    if len(data) > MAX_BYTES:
        raise SpecError(Where(path), f"has a {name} larger than {MAX_BYTES // 2**20} MiB")
    return data


def _reason(error) -> str:
    """An exception (or its text) cut to a length fit for one line."""
    text = str(error) or type(error).__name__
    return text if len(text) < 100 else text[:100] + "..."


def _h5_config(path: str) -> tuple[str, str | None, dict]:
    """The `model_config` attribute of a legacy .h5 file (model.save('model.h5')), the Keras
    version that wrote it, and h5child.py's answer, which has the stored weights' shapes for
    keras_stored.py: read in a child process, as HDF5 can crash or hang on a damaged file, and the
    child's memory and time are bounded."""
    with open_regular(path) as f:
        if not f.read(8) == b"\x89HDF\r\n\x1a\n" and not _hdf5_at_offset(f):
            raise SpecError(Where(path), "is not an HDF5 file")
        f.seek(0)
        answer = stored.run_child("model", path, f, MAX_BYTES, "is a damaged HDF5 file")
    if "missing" in answer:
        raise SpecError(Where(path), "reading .h5 files needs h5py: pip install 'gru-params[h5]' "
                                     "(or save the model as .keras)")
    if "config_size" in answer:
        raise SpecError(Where(path), f"has a model_config larger than {MAX_BYTES // 2**20} MiB")
    if "config_type" in answer:
        raise SpecError(Where(path), f"has a model_config that is not text (a {answer['config_type']})")
    if "config" not in answer:
        raise SpecError(Where(path), "has no model_config: it holds weights only (saved with "
                                     "save_weights?), not a model")
    config = answer["config"]
    # bytes came as latin-1; h5py keeps bytes that are not UTF-8 as lone surrogates in a str
    data = config.encode("latin-1") if answer.get("bytes") else config.encode("utf-8", "surrogateescape")
    return _utf8(data, f"{path}:model_config"), answer.get("version"), answer


def _hdf5_at_offset(f) -> bool:
    """HDF5's signature may also stand at 512, 1024, 2048, ... bytes (a user block before it)."""
    offset = 512
    while offset < 2**20:
        f.seek(offset)
        if f.read(8) == b"\x89HDF\r\n\x1a\n":
            return True
        offset *= 2
    return False


def _utf8(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SpecError(Where(where), f"is not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start})") from None


# ---- the config tree to the tree of a spec -------------------------------------------------

def _at(node: Node, path: str, key: str) -> Where:
    return Where(path, node.line, node.column, key)


def _field(node: Node, key: str, path: str, keypath: str, kind=None) -> Node:
    if not isinstance(node.value, dict) or key not in node.value:
        raise SpecError(_at(node, path, keypath), f"expected a Keras config with `{key}`, got {describe(node)}")
    value = node.value[key]
    if kind is not None and not isinstance(value.value, kind):
        what = {str: "a name", dict: "a mapping", list: "a list"}[kind]
        raise SpecError(_at(value, path, f"{keypath}.{key}"), f"expected {what} for `{key}`, got {describe(value)}")
    return value


def _mapping(items: dict, at: Node) -> Node:
    """A spec mapping made of config nodes: their lines and columns go with them."""
    return Node(items, at.line, at.column, {k: (v.line, v.column) for k, v in items.items()})


def _spec_tree(root: Node | None, path: str, default_name: str, version: str | None,
               output_shapes: dict | None = None, warnings: list | None = None, params: dict | None = None) -> Node:
    """The config as a spec's tree, read as the Keras that wrote it (keras_legacy.py); `framework:
    keras2` for a file Keras 2 or Keras 1 wrote (Keras 1's trainable and Bidirectional rules are
    Keras 2's)."""
    if root is not None:
        root = legacy.upgrade(root, path, version, output_shapes or {}, [] if warnings is None else warnings, params)
    tree = _model_tree(root, path, default_name)
    if version is not None and version.startswith(("1.", "2.")) or legacy.keras1(root, version):
        tree.value["framework"] = Node("keras2", tree.line, tree.column)
        tree.keys["framework"] = (tree.line, tree.column)
    return tree


def _model_tree(root: Node | None, path: str, default_name: str) -> Node:
    if root is None:
        raise SpecError(Where(path), "is empty; expected a Keras model config")
    class_node = _field(root, "class_name", path, "", str)
    class_name = class_node.value
    config = _field(root, "config", path, "", dict)
    if class_name not in MODELS:
        raise SpecError(_at(class_node, path, "class_name"), f"expected a saved model ({', '.join(MODELS)}), "
                                                             f"got {shown(class_name)}")
    name = config.value.get("name") or Node(default_name, root.line, root.column)
    entries = _field(config, "layers", path, "config", list).value
    if class_name == "Sequential":
        return _sequential(config, entries, name, path)
    return _functional(config, entries, name, path)


def _shape(config: Node) -> Node | None:
    """The per-sample shape a saved layer declares (batch axis dropped), if any."""
    for key in ("batch_shape", "batch_input_shape"):
        node = config.value.get(key)
        if node is not None and isinstance(node.value, list) and node.value:
            return Node(node.value[1:], node.line, node.column)
    return None


def _sequential(config: Node, entries: list, name: Node, path: str) -> Node:
    layers, shape = [], None
    for i, entry in enumerate(entries):
        keypath = f"config.layers[{i}]"
        inner = _field(entry, "config", path, keypath, dict)
        if shape is None:
            shape = _shape(inner)
        if _field(entry, "class_name", path, keypath, str).value == "InputLayer":
            continue
        layers.append(_layer_tree(entry, path, keypath))
    if shape is None:
        built = config.value.get("build_input_shape")
        if built is not None and isinstance(built.value, list) and built.value:
            shape = Node(built.value[1:], built.line, built.column)
    if shape is None:
        raise SpecError(_at(config, path, "config"), "the saved model has no input shape: it was saved before it "
                                                     "was built (give it an Input or call it once)")
    if not layers:
        raise SpecError(_at(config, path, "config.layers"), "the saved model has no layers")
    return _mapping({"name": name, "input": shape, "layers": Node(layers, config.line, config.column)}, config)


def _layer_tree(entry: Node, path: str, keypath: str) -> Node:
    """{class_name, config} to {ClassName: {arguments}}, wrapped layers and cells included."""
    if isinstance(entry.value, list):  # a list of cells
        return Node([_layer_tree(e, path, f"{keypath}[{i}]") for i, e in enumerate(entry.value)],
                    entry.line, entry.column)
    class_name = _field(entry, "class_name", path, keypath, str)
    config = _field(entry, "config", path, keypath, dict)
    if class_name.value in MODELS:  # a model used as a layer
        return _model_layer(class_name.value, config, path, keypath, entry)
    if class_name.value not in _KINDS:
        registered = entry.value.get("registered_name")
        custom = registered is not None and isinstance(registered.value, str) and ">" in registered.value
        raise SpecError(_at(class_name, path, f"{keypath}.class_name"),
                        f"unknown layer `{class_name.value}`" + (" (a custom layer: its weights cannot be "
                        "known from its config)" if custom else closest(class_name.value, _KINDS)
                        + "; gru-params does not count it") + _custom_hint(config))
    args = {}
    own = _KINDS[class_name.value].args
    for key, value in config.value.items():
        if key in _NOT_ARGUMENTS or key not in own and (
                key in _KERAS2_SHAPES or key in _KERAS2_DEFAULTS and value.value == _KERAS2_DEFAULTS[key]):
            continue
        if key == "axis" and _virtual_batches(config):
            value = _unshifted(value)
        if key in _NESTED and value.value is not None:
            value = _layer_tree(value, path, f"{keypath}.config.{key}")
        elif (class_name.value, key) in _KERAS2_ONE_ITEM and isinstance(value.value, list) and len(value.value) == 1:
            first = value.value[0]
            value = first if isinstance(first, Node) else Node(first, value.line, value.column)
        args[key] = value
    return _mapping({class_name.value: _mapping(args, config)}, entry)


def _custom_hint(config: Node) -> str:
    """How to count a layer of a class its author defined: its shape and count, given by name."""
    name = config.value.get("name")
    name = name.value if name is not None and isinstance(name.value, str) else "NAME"
    return (f"; if it is a layer of your own, give its output shape and count: --output-shape {name}=SHAPE "
            f"--params {name}=COUNT")


def _virtual_batches(config: Node) -> bool:
    batch = config.value.get("virtual_batch_size")
    return batch is not None and batch.value is not None


def _unshifted(axis):
    """tf_keras's batch normalization, given a virtual_batch_size, adds an axis after the batch
    axis in build and moves its own `axis` one up in place (BatchNormalizationBase.build in
    layers/normalization/batch_normalization.py); get_config then saves the moved axes, which
    tf_keras itself cannot read back. The axes as the layer was given them."""
    if isinstance(axis, Node):
        return Node(_unshifted(axis.value), axis.line, axis.column)
    if isinstance(axis, list):
        return [_unshifted(a) for a in axis]
    return axis - 1 if isinstance(axis, int) and not isinstance(axis, bool) else axis


def _model_layer(class_name: str, config: Node, path: str, keypath: str, at: Node) -> Node:
    """`Sequential: {layers, name}` or `Functional: {model: {inputs, layers, outputs}, name}`."""
    entries = _field(config, "layers", path, f"{keypath}.config", list).value
    name = config.value.get("name") or Node(None, at.line, at.column)
    args = {"name": name}
    if "trainable" in config.value:
        args["trainable"] = config.value["trainable"]
    if class_name == "Sequential":
        args["layers"] = Node([_layer_tree(e, path, f"{keypath}.config.layers[{i}]") for i, e in enumerate(entries)
                               if _field(e, "class_name", path, keypath, str).value != "InputLayer"],
                              config.line, config.column)
        return _mapping({"Sequential": _mapping(args, config)}, at)
    model = _functional(config, entries, name, path)
    del model.value["name"], model.keys["name"]
    args["model"] = model
    return _mapping({"Functional": _mapping(args, config)}, at)


# ---- functional models ---------------------------------------------------------------------

def _functional(config: Node, entries: list, name: Node, path: str) -> Node:
    inputs, layers = {}, []
    for i, entry in enumerate(entries):
        keypath = f"config.layers[{i}]"
        class_name = _field(entry, "class_name", path, keypath, str).value
        inner = _field(entry, "config", path, keypath, dict)
        if class_name == "InputLayer":
            layer_name = _field(entry, "name", path, keypath, str).value
            shape = _shape(inner)
            if shape is None:
                raise SpecError(_at(inner, path, f"{keypath}.config"), "an InputLayer without a shape")
            inputs[layer_name] = shape
            continue
        layer = _layer_tree(entry, path, keypath)
        nodes = _field(entry, "inbound_nodes", path, keypath, list)
        if len(nodes.value) != 1:
            layer_name = entry.value.get("name", Node("?", 0, 0)).value
            raise SpecError(_at(nodes, path, f"{keypath}.inbound_nodes"),
                            f"layer `{layer_name}` is called {len(nodes.value)} times; gru-params reads models "
                            "whose layers are each called once (no shared layers)")
        layers.append((layer, nodes.value[0], f"{keypath}.inbound_nodes[0]"))
    calls = [_with_call(layer, node, path, keypath) for layer, node, keypath in layers]
    spec = {"name": name, "inputs": _mapping(inputs, config), "layers": Node(calls, config.line, config.column)}
    outputs = config.value.get("output_layers")
    if outputs is not None:
        spec["outputs"] = Node([Node(str(r), r.where.line, r.where.column) for r in
                                _histories(outputs, path, "config.output_layers")], outputs.line, outputs.column)
    return _mapping(spec, config)


def _histories(node: Node, path: str, keypath: str) -> list[Ref]:
    """[name, node, tensor] or a list of them, as `output_layers` holds them."""
    items = node.value
    if not isinstance(items, list) or not items:
        raise SpecError(_at(node, path, keypath), f"expected [layer, node, tensor] or a list of them, got "
                                                  f"{describe(node)}")
    if not isinstance(items[0].value, list):
        items = [node]
    return [_ref(item, path, f"{keypath}[{i}]") for i, item in enumerate(items)]


def _ref(node: Node, path: str, keypath: str) -> Ref:
    """A tensor: Keras 3's {class_name: __keras_tensor__, config: {keras_history}} or Keras 2's
    [name, node_index, tensor_index(, kwargs)]."""
    history = node
    if isinstance(node.value, dict):
        history = _field(_field(node, "config", path, keypath, dict), "keras_history", path, f"{keypath}.config", list)
    values = [n.value for n in history.value] if isinstance(history.value, list) else None
    if not values or len(values) < 3 or not isinstance(values[0], str) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in values[1:3]):
        raise SpecError(_at(node, path, keypath), f"expected a tensor reference [layer, node, tensor], got "
                                                  f"{describe(node)}")
    if values[1] != 0:
        raise SpecError(_at(node, path, keypath), f"uses call {values[1]} of layer `{values[0]}`; gru-params reads "
                                                  "models whose layers are each called once (no shared layers)")
    return Ref(values[0], values[2], _at(node, path, keypath))


def _is_tensor(node: Node) -> bool:
    v = node.value
    if isinstance(v, dict):
        return "class_name" in v and v["class_name"].value == "__keras_tensor__"
    return isinstance(v, list) and len(v) >= 3 and isinstance(v[0].value, str) and isinstance(v[1].value, int)


def _tensors(node: Node, path: str, keypath: str):
    """A Ref, a list of Refs, or None when the value holds no tensor."""
    if _is_tensor(node):
        return _ref(node, path, keypath)
    if isinstance(node.value, list) and node.value and all(_is_tensor(n) for n in node.value):
        return [_ref(n, path, f"{keypath}[{i}]") for i, n in enumerate(node.value)]
    return None


def _with_call(layer: Node, inbound: Node, path: str, keypath: str) -> Node:
    """The layer entry with its call: `inputs` and the call arguments Keras saved."""
    (class_name, _), = layer.value.items()
    kind = _KINDS[class_name]
    if isinstance(inbound.value, dict):  # Keras 3: {args: [...], kwargs: {...}}
        args = inbound.value.get("args", Node([], inbound.line, inbound.column))
        kwargs = inbound.value.get("kwargs", Node({}, inbound.line, inbound.column, {}))
        if not isinstance(args.value, list) or not isinstance(kwargs.value, dict):
            raise SpecError(_at(inbound, path, keypath), "expected a call as {args: [...], kwargs: {...}}")
        positional = [_tensors(a, path, f"{keypath}.args[{i}]") for i, a in enumerate(args.value)]
        keywords = kwargs.value
    elif isinstance(inbound.value, list) and inbound.value:  # Keras 2: [[name, node, tensor, kwargs], ...]
        refs = [_ref(n, path, f"{keypath}[{i}]") for i, n in enumerate(inbound.value)]
        first = inbound.value[0].value
        keywords = first[3].value if isinstance(first, list) and len(first) > 3 and isinstance(first[3].value, dict) \
            else {}  # a Keras 3 tensor among Keras 2 references has no keywords
        if kind.many_inputs:
            positional = [refs]
        elif kind.call.get("initial_state"):  # Keras 2 passed an RNN's initial states as more inputs
            positional = [refs[0]]
            if len(refs) > 1:
                keywords = {**keywords, "initial_state": Node(refs[1:], inbound.line, inbound.column)}
        else:
            positional = refs
    else:
        raise SpecError(_at(inbound, path, keypath), f"expected a call of the layer, got {describe(inbound)}")
    if not positional or positional[0] is None:
        raise SpecError(_at(inbound, path, keypath), f"the call of `{class_name}` has no input tensor")
    entry = dict(layer.value)
    first, extra = positional[0], [p for p in positional[1:] if p is not None]
    entry["inputs"] = _ref_node(first if kind.many_inputs or not extra else [first, *extra], inbound)
    for key, value in keywords.items():
        if isinstance(value.value, list) and value.value and all(isinstance(r, Ref) for r in value.value):
            entry[key] = _ref_node(value.value, value)  # Keras 2's initial states, read above
            continue
        empty = value.value is None or isinstance(value.value, list) and all(v.value is None for v in value.value)
        if empty or key == "training" or value.value is False:
            continue
        refs = _tensors(value, path, f"{keypath}.kwargs.{key}")
        entry[key] = _ref_node(refs, value) if refs is not None else value
    return _mapping(entry, layer)


def _ref_node(refs, at: Node) -> Node:
    """Refs as the spec writes them, `encoder[1]`, one or a list."""
    if isinstance(refs, list):
        return Node([_ref_node(r, at) for r in refs], at.line, at.column)
    return Node(f"{refs.name}[{refs.index}]", refs.where.line, refs.where.column)

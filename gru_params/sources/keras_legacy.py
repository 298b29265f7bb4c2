"""Saved configs of Keras 1 and of Keras 2 before 2.2.3, read as the version that wrote them:
rewritten, node by node (lines and columns kept), into the config Keras 2.2.4 writes for the
same model, which the reader of saved files takes.

- Keras up to 2.2.2 saved a Sequential model's `config` as the list of its layers
  (keras-team/keras 2.2.2 keras/engine/sequential.py get_config; a mapping with `name` and
  `layers` since 2.2.3).
- Keras 1 named layers and arguments otherwise. Keras 2.0 loaded Keras 1 files by passing each
  config through its legacy interfaces (keras-team/keras 2.0.9 keras/legacy/interfaces.py):
  the renames below are those, argument by argument, with their value conversions. Keras 1's
  other defaults give the same weights as Keras 2's (GRU: one bias, reset_after before it
  existed, which the reader of saved files applies to every GRU config without the key).
- A Keras 1 argument with no Keras 2 counterpart that changes no count is dropped (input_dtype,
  Embedding's dropout, BatchNormalization's mode); one that Keras 2 refused and that changes the
  model (a layer Keras 2 removed) is an error that says so.
"""

from __future__ import annotations

from typing import NamedTuple

from ..errors import ArgumentError, SpecError, Where, shown
from ..layers import KERAS2_KINDS, KINDS
from ..layers.checks import ACTIVATIONS
from ..limits import MAX_INT, MAX_RANK
from ..yamlnodes import Node

# keras-team/keras 2.0.9 keras/legacy/interfaces.py: Keras 1 argument -> Keras 2 argument
_WEIGHTS = {"init": "kernel_initializer", "W_regularizer": "kernel_regularizer", "b_regularizer": "bias_regularizer",
            "W_constraint": "kernel_constraint", "b_constraint": "bias_constraint", "bias": "use_bias"}
_ORDERING = {"dim_ordering": "data_format"}
_RECURRENT = {"output_dim": "units", "init": "kernel_initializer", "inner_init": "recurrent_initializer",
              "inner_activation": "recurrent_activation", "W_regularizer": "kernel_regularizer",
              "b_regularizer": "bias_regularizer", "U_regularizer": "recurrent_regularizer", "dropout_W": "dropout",
              "dropout_U": "recurrent_dropout", "consume_less": "implementation"}
_CONV = {"nb_filter": "filters", "subsample": "strides", "border_mode": "padding", **_ORDERING, **_WEIGHTS}
RENAMES = {
    "Dense": {"output_dim": "units", **_WEIGHTS},
    "Dropout": {"p": "rate"},
    "Embedding": {"init": "embeddings_initializer", "W_regularizer": "embeddings_regularizer",
                  "W_constraint": "embeddings_constraint"},
    "MaxPooling1D": {"pool_length": "pool_size", "stride": "strides", "border_mode": "padding"},
    "AveragePooling1D": {"pool_length": "pool_size", "stride": "strides", "border_mode": "padding"},
    "PReLU": {"init": "alpha_initializer"},
    "GaussianNoise": {"sigma": "stddev"},
    "GaussianDropout": {"p": "rate"},
    **{name: _RECURRENT for name in ("SimpleRNN", "LSTM", "GRU")},
    **{f"{op}Pooling{n}D": {"border_mode": "padding", **_ORDERING} for op in ("Max", "Average") for n in (2, 3)},
    **{f"Global{op}Pooling2D": _ORDERING for op in ("Max", "Average")},
    "UpSampling1D": {"length": "size"},
    **{f"{layer}{n}D": _ORDERING for layer in ("UpSampling", "ZeroPadding", "Cropping") for n in (2, 3)},
    "Conv1D": {"nb_filter": "filters", "filter_length": "kernel_size", "subsample_length": "strides",
               "border_mode": "padding", **_WEIGHTS},
    "Conv2D": _CONV,
    "Conv3D": _CONV,
    "Conv2DTranspose": _CONV,
    "SeparableConv2D": {"nb_filter": "filters", "subsample": "strides", "border_mode": "padding", **_ORDERING,
                        "b_regularizer": "bias_regularizer", "b_constraint": "bias_constraint", "bias": "use_bias"},
    "ConvLSTM2D": {**_CONV, "inner_init": "recurrent_initializer", "U_regularizer": "recurrent_regularizer",
                   "inner_activation": "recurrent_activation", "dropout_W": "dropout", "dropout_U": "recurrent_dropout"},
    "BatchNormalization": {"beta_init": "beta_initializer", "gamma_init": "gamma_initializer"},
    "SpatialDropout1D": {"p": "rate"},
    **{f"SpatialDropout{n}D": {"p": "rate", **_ORDERING} for n in (2, 3)},
}
# keras-team/keras 2.0.9 keras/layers/__init__.py and convolutional.py: the Keras 1 class names
# Keras 2 kept as aliases
CLASSES = {"Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D",
           "Deconvolution2D": "Conv2DTranspose", "SeparableConvolution2D": "SeparableConv2D",
           "AtrousConvolution1D": "Conv1D", "AtrousConvolution2D": "Conv2D"}
_VALUES = {"data_format": {"tf": "channels_last", "th": "channels_first", "default": None},
           "implementation": {"cpu": 0, "mem": 1, "gpu": 2}}
_SEQUENCES = {"SimpleRNN", "LSTM", "GRU", "ConvLSTM2D", "Conv1D"}
# Keras 1 arguments that no count depends on and Keras 2 dropped, and the classes they are
# dropped from (None: all): input_dtype (engine/topology.py; Keras 2 saves dtype), the input
# sizes a first layer also gives as batch_input_shape, and the interfaces.py preprocessors'
_DROPPED = {"input_dtype": None, "input_dim": None, "input_length": _SEQUENCES,
            "mode": {"BatchNormalization"}, "dropout": {"Embedding"}, "forget_bias_init": _SEQUENCES,
            "output_shape": {"Conv2DTranspose"}, "atrous_rate": None}
# Keras 1's words, which no later Keras writes: a file without keras_version (Keras 1.0 and
# 1.1 wrote none; nor does Keras 3's to_json) that uses them is Keras 1's
_KERAS1_WORDS = {"init", "inner_init", "nb_filter", "border_mode", "input_dtype", "W_regularizer", "dim_ordering",
                 "consume_less"}
# Keras 1 layers that Keras 2 removed, or that are not read yet: refused with the reason
REFUSED = {
    "TimeDistributedDense": "Keras 1's TimeDistributedDense (Keras 2 has TimeDistributed(Dense))",
    "Highway": "Keras 1's Highway layer, which Keras 2 removed",
    "MaxoutDense": "Keras 1's MaxoutDense layer, which Keras 2 removed",
    "AutoEncoder": "Keras 1's AutoEncoder layer, which Keras 2 removed",
}


def numbers(version: str | None) -> tuple[int, ...] | None:
    """A keras_version as numbers (2.0.9 -> (2, 0, 9)); None if none."""
    if version is None:
        return None
    parts = []
    for part in version.split("."):
        digits = "".join(c for c in part[:9] if c.isdigit())
        if not digits or len(parts) == 3:
            break
        parts.append(int(digits))
    return tuple(parts) or None


def keras1(root: Node, version: str | None) -> bool:
    """Whether Keras 1 wrote the model config `root` (its keras_version `version`, or, where the
    file records none, its words)."""
    written = numbers(version)
    return written < (2,) if written is not None else _looks_keras1(root)


def upgrade(root: Node, path: str, version: str | None, output_shapes: dict, warnings: list,
            params: dict | None = None) -> Node:
    """The model config `root`, written by Keras `version` (None if the file does not say), as
    Keras 2.2.4 would write it (unchanged for later files), with the output shapes given by
    name to its Lambda layers, and to its custom layers with their counts (`params`: name ->
    (trainable, non-trainable)); a warning in `warnings` for each name taken as given."""
    config = root.value.get("config") if isinstance(root.value, dict) else None
    if config is not None and isinstance(config.value, list):  # Keras <= 2.2.2's Sequential
        root.value["config"] = Node({"layers": config}, config.line, config.column,
                                    {"layers": (config.line, config.column)})
    if isinstance(root.value, dict):
        backend = root.value.get("backend")
        backend = backend.value if backend is not None and isinstance(backend.value, str) else None
        _walk(root.value.get("config"), _Context(path, keras1(root, version), output_shapes, warnings, version,
                                                 params or {}, backend))
    return root


def _looks_keras1(root: Node) -> bool:
    config = root.value.get("config") if isinstance(root.value, dict) else None
    layers = config.value.get("layers") if config is not None and isinstance(config.value, dict) else config
    for entry in layers.value if layers is not None and isinstance(layers.value, list) else []:
        inner = entry.value.get("config") if isinstance(entry.value, dict) else None
        if inner is not None and isinstance(inner.value, dict) and _KERAS1_WORDS & set(inner.value):
            return True
    return False


class _Context(NamedTuple):
    path: str
    keras1: bool
    output_shapes: dict  # Lambda name -> per-sample shape
    warnings: list  # of str
    version: str | None  # keras_version as the file writes it
    params: dict  # custom layer name -> (trainable, non-trainable) parameters
    backend: str | None  # the backend Keras 2 records beside its version


def _walk(config: Node | None, context: _Context) -> None:
    if config is None or not isinstance(config.value, dict):
        return
    layers = config.value.get("layers")
    for entry in layers.value if layers is not None and isinstance(layers.value, list) else []:
        _layer(entry, context)


def _layer(entry: Node, context: _Context) -> None:
    """One {class_name, config} in place: a Keras 1 class and its arguments renamed, a Lambda's
    output shape as its writer meant it, and the wrapped layer (Bidirectional, TimeDistributed)
    or inner model likewise."""
    if not isinstance(entry.value, dict):
        return
    class_node, config = entry.value.get("class_name"), entry.value.get("config")
    if class_node is None or not isinstance(class_node.value, str) or config is None:
        return
    if isinstance(config.value, dict):
        _custom_settings(config, context)
        config = entry.value["config"] = _custom_activations(config, context)
        if CLASSES.get(class_node.value, class_node.value) in _GRUS and "reset_after" not in config.value:
            config = entry.value["config"] = _reset_after(config, context)
    if class_node.value == "Lambda" and isinstance(config.value, dict):
        entry.value["config"] = _lambda(config, context)
        return
    if _custom(entry, class_node, config, context):
        return
    if not context.keras1:
        _children(config, context)
        if class_node.value in _IMPLEMENTATIONS and isinstance(config.value, dict):
            entry.value["config"] = _implementation(class_node.value, config)
        return
    if class_node.value == "Merge" and isinstance(config.value, dict):
        entry.value["class_name"], entry.value["config"] = _merge(class_node, config, context.path)
        return
    if class_node.value in REFUSED:
        raise SpecError(Where(context.path, class_node.line, class_node.column),
                        f"{REFUSED[class_node.value]}: gru-params does not count it")
    if class_node.value in ("Sequential", "Model"):
        _walk(config, context)
        return
    _children(config, context)
    class_name = CLASSES.get(class_node.value, class_node.value)
    entry.value["class_name"] = Node(class_name, class_node.line, class_node.column)
    if isinstance(config.value, dict):
        arguments = _arguments(class_name, config)
        config = Node(arguments, config.line, config.column,
                      {k: (config.keys or {}).get(k, (v.line, v.column)) for k, v in arguments.items()})
        entry.value["config"] = _implementation(class_name, config) if class_name in _IMPLEMENTATIONS else config


# A GRU config without `reset_after` takes the default of the Keras that wrote it. Keras before
# 2.1.5 had no such argument (keras-team/keras 2802c08: one bias, the reset gate before the
# recurrent product) and Keras 1 neither; Keras 2.1.5 to 2.3.1 defaulted it to False
# (keras/layers/recurrent.py at 2.2.4), tf.keras from TensorFlow 2.3 (keras_version 2.4.0) and
# tf_keras and Keras 3 to True. Every Keras since 2.1.5 saves it, so a missing key is, in a
# real file, one written before it; TensorFlow 1.x and 2.0 to 2.2 both wrote "2.2.4-tf" or
# "2.3.0-tf" with opposite defaults (GRU v1 and v2): there a missing key cannot be read.
_GRUS = {"GRU", "GRUCell"}


def _reset_after(config: Node, context: _Context) -> Node:
    written = numbers(context.version)
    if context.version is not None and context.version.endswith("-tf") and written is not None and written < (2, 4):
        raise SpecError(Where(context.path, config.line, config.column),
                        f"a GRU config without `reset_after`, written by tf.keras {context.version}, which TensorFlow "
                        "1.x (default False) and 2.0 to 2.2 (default True) both wrote: its count cannot be known")
    default = written is not None and written >= (2, 4)
    value = {**config.value, "reset_after": Node(default, config.line, config.column)}
    return Node(value, config.line, config.column, {**(config.keys or {}), "reset_after": (config.line, config.column)})


# keras-team/keras 2.2.4 keras/layers/recurrent.py: LSTM and GRU take Keras 2.0's
# `implementation: 0` as 1 (the same weights); SimpleRNN.from_config drops `implementation`
_IMPLEMENTATIONS = {"LSTM", "GRU", "SimpleRNN"}


def _implementation(class_name: str, config: Node) -> Node:
    value = config.value.get("implementation")
    if value is None or value.value not in (0, None) and class_name != "SimpleRNN":
        return config
    arguments = dict(config.value)
    if class_name == "SimpleRNN":
        del arguments["implementation"]
    else:
        arguments["implementation"] = Node(1, value.line, value.column)
    return Node(arguments, config.line, config.column, {k: v for k, v in (config.keys or {}).items() if k in arguments})


def _custom(entry: Node, class_node: Node, config: Node, context: _Context) -> bool:
    """A layer class its author defined: its weights are not in its config. With its output
    shape and count given by name, it becomes a CustomLayer that holds them."""
    if class_node.value in KINDS or class_node.value in KERAS2_KINDS or class_node.value in CLASSES or \
            class_node.value in REFUSED or class_node.value in ("Merge", "Sequential", "Functional", "Model", "InputLayer") or \
            not isinstance(config.value, dict):
        return False
    name = config.value.get("name")
    name = name.value if name is not None and isinstance(name.value, str) else None
    if name is None or name not in context.output_shapes or name not in context.params:
        return False  # the reader of saved files names it in an error, with these options
    where = Where(context.path, class_node.line, class_node.column)
    at = (class_node.line, class_node.column)
    trainable, frozen = context.params[name]
    arguments = {"name": config.value["name"], "layer_class": class_node,
                 "output_shape": Node([Node(n, *at) for n in context.output_shapes[name]], *at),
                 "params": Node(trainable, *at), "non_trainable_params": Node(frozen, *at)}
    if "trainable" in config.value:
        arguments["trainable"] = config.value["trainable"]
    entry.value["class_name"] = Node("CustomLayer", *at)
    entry.value["config"] = Node(arguments, config.line, config.column, {k: (v.line, v.column) for k, v in arguments.items()})
    context.warnings.append(f"{where}: custom layer `{name}` ({class_node.value}) counted as given: "
                            f"{trainable + frozen:,} parameters")
    return True


def _children(config: Node, context: _Context) -> None:
    """The layers inside a layer: a wrapper's, an RNN's cells, a Pipeline's, a model's."""
    if not isinstance(config.value, dict):
        return
    if isinstance(config.value.get("layers"), Node) and isinstance(config.value["layers"].value, list):
        _walk(config, context)
    for key in ("layer", "backward_layer", "cell", "cells"):
        child = config.value.get(key)
        for inner in child.value if child is not None and isinstance(child.value, list) else [child]:
            if isinstance(inner, Node):
                _layer(inner, context)


# Arguments that name an activation function (Keras 1's inner_activation is renamed after)
_ACTIVATION_KEYS = ("activation", "recurrent_activation", "inner_activation")


# keras/src/{initializers,regularizers,constraints}/__init__.py ALL_OBJECTS_DICT (a test compares
# with Keras), and the names Keras 1 and 2 wrote besides: Keras 1's regularizer and constraint
# classes (keras-team/keras 1.2.2 keras/regularizers.py, constraints.py) and tf.keras's V1
# and V2 class names
SETTINGS = frozenset(
    "Constant GlorotNormal GlorotUniform HeNormal HeUniform Identity IdentityInitializer Initializer LecunNormal "
    "LecunUniform Ones Orthogonal OrthogonalInitializer RandomNormal RandomUniform STFT STFTInitializer "
    "TruncatedNormal VarianceScaling Zeros constant glorot_normal glorot_uniform he_normal he_uniform identity "
    "initializer lecun_normal lecun_uniform normal one ones orthogonal random_normal random_uniform stft "
    "truncated_normal uniform variance_scaling zero zeros "
    "L1 L1L2 L2 OrthogonalRegularizer Regularizer l1 l1l2 l2 orthogonal_regularizer regularizer "
    "Constraint MaxNorm MinMaxNorm NonNeg UnitNorm constraint max_norm min_max_norm non_neg unit_norm "
    "L1L2Regularizer WeightRegularizer ActivityRegularizer maxnorm nonneg unitnorm RadialConstraint radial_constraint "
    "ZerosV2 OnesV2 ConstantV2 RandomUniformV2 RandomNormalV2 TruncatedNormalV2 GlorotUniformV2 GlorotNormalV2 "
    "VarianceScalingV2 OrthogonalV2 IdentityV2 HeNormalV2 HeUniformV2 LecunNormalV2 LecunUniformV2".split())
# Arguments that hold one, by the ending of their names, Keras 1's (init, W_regularizer) included
_SETTING_KINDS = {"initializer": "initializer", "init": "initializer", "regularizer": "regularizer",
                  "constraint": "constraint"}


def _custom_settings(config: Node, context: _Context) -> None:
    """An initializer, regularizer or constraint its author defined, in a saved file: taken as
    given (the setting check takes any name or mapping: none changes a count), with a warning
    that names it."""
    name = config.value.get("name")
    layer = f" of layer `{name.value}`" if name is not None and isinstance(name.value, str) else ""
    for key, given in config.value.items():
        what = next((kind for end, kind in _SETTING_KINDS.items() if key.endswith(end)), None)
        if what is None or given is None:
            continue
        value = given.value
        if isinstance(value, dict):  # {class_name, config} (Keras 2, 3) or Keras 1's {name, ...}; a Node
            # or, below the structure the reader places, a plain value
            value = next((v.value if isinstance(v, Node) else v for k, v in value.items()
                          if k in ("class_name", "name")), None)
        if isinstance(value, str) and value not in SETTINGS:
            context.warnings.append(f"{Where(context.path, given.line, given.column)}: custom {what} {shown(value)}"
                                    f"{layer} taken as given: no {what} changes a count")


def _custom_activations(config: Node, context: _Context) -> Node:
    """A saved file may name an activation its author defined (a speech model's clipped_relu):
    no activation changes a count, so it is taken as given, as the custom object Keras would
    have needed ({class_name, config}), with a warning that names it. A spec's unknown
    activation stays an error: there, it is a typo."""
    value, changed = config.value, False
    for key in _ACTIVATION_KEYS:
        given = value.get(key)
        if given is not None and isinstance(given.value, str) and given.value not in ACTIVATIONS:
            if not changed:
                value, changed = dict(value), True
            name = value.get("name")
            layer = f" of layer `{name.value}`" if name is not None and isinstance(name.value, str) else ""
            context.warnings.append(f"{Where(context.path, given.line, given.column)}: custom activation "
                                    f"{shown(given.value)}{layer} taken as given: no activation changes a count")
            value[key] = Node({"class_name": given, "config": Node({"custom": Node(True, given.line, given.column)},
                                                                   given.line, given.column, {"custom": (given.line, given.column)})},
                              given.line, given.column, {"class_name": (given.line, given.column),
                                                         "config": (given.line, given.column)})
    return Node(value, config.line, config.column, config.keys) if changed else config


# keras-team/keras 1.2.2 and 2.2.4 keras/layers/core.py Lambda.get_config, and tf_keras's: how
# the function and the output shape were written (code, a module's function, or the shape
# itself, "raw"), beside them
_LAMBDA_KEYS = {"function_type", "output_shape_type", "module", "output_shape_module"}


def _lambda(config: Node, context: _Context) -> Node:
    """A Lambda's config as Keras 3 takes it: output_shape the per-sample shape when it was
    written as one, else a mapping that stands for code (which the layer refuses, naming it);
    or the shape the user gave for its name. Keras 2 under Theano or CNTK could not run the
    function to learn the shape and took the input's (keras-team/keras 2.2.4
    keras/layers/core.py Lambda.compute_output_shape): so does a file it wrote."""
    output_shapes = context.output_shapes
    value = dict(config.value)
    kind = value.get("output_shape_type")
    shape = value.get("output_shape")
    if kind is not None and kind.value not in ("raw", None) and shape is not None and shape.value is not None:
        value["output_shape"] = Node({"code": shape}, shape.line, shape.column)
    elif (shape is None or shape.value is None) and context.backend in ("theano", "cntk") and not context.keras1:
        at = (config.line, config.column)
        value["output_shape"] = Node({"same_as_input": Node(True, *at)}, *at, {"same_as_input": at})
    name = value.get("name")
    if name is not None and isinstance(name.value, str) and name.value in output_shapes:
        value["output_shape"] = Node([Node(n, name.line, name.column) for n in output_shapes[name.value]],
                                     name.line, name.column)
    for key in _LAMBDA_KEYS:
        value.pop(key, None)
    return Node(value, config.line, config.column, {k: v for k, v in (config.keys or {}).items() if k in value})


# keras-team/keras 1.2.2 keras/engine/topology.py Merge: its modes as Keras 2's merge layers
# (keras/layers/merge.py, which replaced it), none of them with weights
_MERGES = {"sum": "Add", "mul": "Multiply", "concat": "Concatenate", "ave": "Average", "max": "Maximum",
           "dot": "Dot", "cos": "Dot"}


def _merge(class_node: Node, config: Node, path: str) -> tuple[Node, Node]:
    """A Keras 1 Merge of tensors in a functional model, as the Keras 2 layer of its mode."""
    value = config.value
    mode = value.get("mode")
    if isinstance(value.get("layers"), Node) and value["layers"].value:
        raise SpecError(Where(path, class_node.line, class_node.column),
                        "Keras 1's Merge of Sequential branches: gru-params does not read it; rebuild it as a "
                        "functional model")
    kind = value.get("mode_type")
    if mode is None or mode.value not in _MERGES or kind is not None and kind.value not in ("raw", None):
        raise SpecError(Where(path, class_node.line, class_node.column),
                        f"Keras 1's Merge with mode {shown(None if mode is None else mode.value)}: gru-params reads "
                        f"the modes {', '.join(_MERGES)}")
    arguments = {k: value[k] for k in ("name", "trainable") if k in value}
    at = (mode.line, mode.column)
    if mode.value == "concat" and "concat_axis" in value:
        arguments["axis"] = value["concat_axis"]
    if mode.value in ("dot", "cos"):
        arguments["axes"] = value.get("dot_axes") or Node(-1, *at)
        if mode.value == "cos":
            arguments["normalize"] = Node(True, *at)
    return (Node(_MERGES[mode.value], class_node.line, class_node.column),
            Node(arguments, config.line, config.column, {k: (v.line, v.column) for k, v in arguments.items()}))


def _arguments(class_name: str, config: Node) -> dict:
    renames = RENAMES.get(class_name, {})
    out = {}
    for key, value in config.value.items():
        # (input_dim is Embedding's vocabulary size, not an input's)
        if key in _DROPPED and (_DROPPED[key] is None or class_name in _DROPPED[key]) and (
                key, class_name) != ("input_dim", "Embedding"):
            if key == "forget_bias_init" and value.value == "one":  # recurrent_args_preprocessor
                out["unit_forget_bias"] = Node(True, value.line, value.column)
            continue
        new = renames.get(key, key)
        if new in _VALUES and value.value in _VALUES[new]:
            value = Node(_VALUES[new][value.value], value.line, value.column)
        out[new] = value
    _kernel_size(class_name, config.value, out)
    return out


def _kernel_size(class_name: str, config: dict, out: dict) -> None:
    """Keras 1's nb_row and nb_col (2D) and kernel_dim1..3 (3D) became one kernel_size
    (interfaces.py conv2d_args_preprocessor, conv3d_args_preprocessor)."""
    keys = {"nb_row": 0, "nb_col": 1} if "nb_row" in config else {f"kernel_dim{i}": i - 1 for i in (1, 2, 3)}
    given = [k for k in keys if k in config]
    if given:
        first = config[given[0]]
        out["kernel_size"] = Node([config[k] for k in given], first.line, first.column)
        for key in keys:
            out.pop(key, None)
    if "atrous_rate" in config:  # AtrousConvolution1D/2D: Conv1D/2D with a dilation_rate
        out["dilation_rate"] = config["atrous_rate"]


def output_shape_option(text: str) -> tuple[str, tuple]:
    """`--output-shape NAME=SHAPE`: a layer's name and its per-sample shape, sizes or null
    separated by commas, brackets optional (lambda_1=160,320,3 or lambda_1=[null, 28])."""
    name, equals, shape = text.partition("=")
    sizes = [part.strip() for part in shape.strip().strip("[]()").split(",")] if shape.strip("[]() ") else []
    try:
        values = tuple(None if size in ("null", "None") else int(size) for size in sizes)
    except ValueError:
        values = (0,)
    if not equals or not name.strip() or len(values) > MAX_RANK or any(v is not None and not 0 < v <= MAX_INT for v in values):
        raise ArgumentError(f"--output-shape: expected NAME=SHAPE, the sizes per sample (no batch axis) like "
                            f"lambda_1=160,320,3 or lambda_1=null,28, got {shown(text)}")
    return name.strip(), values


def params_option(text: str) -> tuple[str, tuple[int, int]]:
    """`--params NAME=COUNT` or `NAME=TRAINABLE+NON_TRAINABLE`: a custom layer's parameters."""
    name, equals, count = text.partition("=")
    parts = count.split("+")
    if not equals or not name.strip() or len(parts) > 2 or not all(p.strip().isdigit() and len(p.strip()) < 19
                                                                  for p in parts):
        raise ArgumentError(f"--params: expected NAME=COUNT or NAME=TRAINABLE+NON_TRAINABLE, like attention_1=4160, "
                            f"got {shown(text)}")
    numbers = [int(p) for p in parts]
    return name.strip(), (numbers[0], numbers[1] if len(numbers) == 2 else 0)

"""The JSON Schema (draft 2020-12) of the spec format, generated from the layer registry.

`spec_schema()` is what `gru-params schema` prints. Editors read it for completion and
validation (yaml-language-server, through a `# yaml-language-server: $schema=...` line), and
CI validates specs with it (check-jsonschema). Every layer class of every framework
(`layers.REGISTRIES`) is a definition with its arguments: each argument's JSON type comes from
its check function (`_CHECKS` maps every check in layers/checks.py, errors.py and the family
modules to a schema fragment), its `default` from the registry (tuples as lists), and the
arguments without a default are `required`. An unknown layer, an unknown argument, an unknown
key anywhere in the spec is a validation error, as in `gru-params check`.

The schema is a first line, and `gru-params check` is the truth. What it does not express:
- shapes: whether layers fit one after another (an RNN after a layer that dropped the time
  axis), `input_dim` against the previous layer, merges of shapes that do not fit, the rank
  of `input` a layer needs;
- functional models' references: that `inputs: encoder[1]` names an input or a layer (and
  an output it has), unused layers, cycles, duplicate layer names;
- what a check does beyond a value's type and range: an einsum equation's axes against its
  `output_shape`, a `[lower, upper]` pair with lower <= upper, `GroupNormalization.groups`
  dividing the channels, a `TransformerEncoder.norm` that fits, and the like;
- YAML itself: duplicate keys and anchors are resolved by the YAML reader before the
  schema sees the document; gru-params refuses duplicate keys;
- YAML 1.1 against 1.2: gru-params reads YAML as PyYAML does (1.1), where `yes`, `no`, `on`
  and `off` are booleans and `1_000` an integer; check-jsonschema and editors read YAML 1.2,
  where they are strings, so the schema refuses `use_bias: yes`: write `true`, `false` and
  plain numbers;
- an integral float: JSON Schema's `integer` takes `3.0` (and `1e3`) where gru-params wants `3`;
- the bounds of `limits.py` on a whole spec (layers, nesting, file size);
- a `cost` budget (`max_macs`, ...) that cannot be known for the model (a free time axis
  without `compute.seq_len`, a Lambda);
- the flow-list form `[encoder[1], encoder[2]]`, which gru-params reads but is not valid
  YAML: a YAML tool (check-jsonschema, an editor) reports it as a syntax error; write
  `- encoder[1]` block items, or quote them.

`$id` (SCHEMA_ID) names the schema, as draft 2020-12 asks of a schema that is published; nothing
is fetched from it: editors and check-jsonschema read the schema from the file or URL they are
given, and every `$ref` inside it is a local `#/$defs/...`.

Layout: `$defs` holds a definition per layer class and framework (`keras.GRU`, `keras2.CuDNNGRU`,
`pytorch.GRU`; a Keras 2 class that is the same declaration as Keras 3's, with no layer inside,
shares Keras 3's), the layer forms of each framework (`keras_layer`, `keras_cell`,
`keras_entry` for a functional spec's entries with their call arguments, ...), and the
argument types that several arguments share (`arg.*`). The top level picks the layer form by
`framework` (if/then; keras when left out) and by `inputs` (a functional spec).

This module imports no YAML or terminal library: the schema is plain data.
"""

from __future__ import annotations

import inspect
import json
import sys

from . import layers as registry
from .errors import ArgumentError
from .limits import MAX_INT, MAX_RANK

SCHEMA_ID = "https://gru-params.dev/spec.schema.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"

# The top-level keys spec.py reads (spec.py imports the YAML reader, so they are repeated here;
# tests/test_schema.py compares them with spec.py's)
TOP_KEYS = ("name", "framework", "input", "inputs", "layers", "outputs", "expect", "budget", "compute", "source")
SOURCE_KEYS = ("name", "source", "expect", "budget", "compute")
KERAS = ("keras", "keras2")
EXPECT_KEYS = ("total_params", "trainable_params", "non_trainable_params", "layers")
BUDGET_KEYS = ("max_params", "max_trainable_params", "max_macs", "max_flops", "max_weight_bytes",
               "max_training_bytes")
COMPUTE_KEYS = ("seq_len", "batch", "dtype", "optimizer")
DTYPES = ("float32", "float16", "bfloat16", "float64", "int8")  # cost/memory.py CHOICES
OPTIMIZERS = ("none", "sgd", "momentum", "adam", "adamw", "rmsprop", "adagrad")  # cost/memory.py OPTIMIZERS

FRAMEWORK_NAMES = {"keras": "Keras 3 / tf.keras layer keras.layers",
                   "keras2": "Keras 2 (tf_keras) layer tf_keras.layers",
                   "pytorch": "PyTorch module torch.nn"}

# A nested argument whose layer must be of given classes, beyond what the registry declares
# (Bidirectional's recurrent layers come from the registry): TransformerEncoder's build refuses
# any other encoder_layer (layers/torch_transformer.py)
NESTED_CLASSES = {("pytorch", "TransformerEncoder", "encoder_layer"): ("TransformerEncoderLayer",)}

_NESTED_WHAT = {"layers": "a list of layers", "model": "a functional model (inputs, layers, outputs)",
                "cell": "an RNN cell or a list of them", "cells": "a list of RNN cells"}


# ---- the checks: check function -> (schema fragment, what it takes) ------------------------

INT = {"type": "integer"}
NULL = {"type": "null"}
NUMBER = {"type": "number"}


def _int(minimum=None, maximum=None) -> dict:
    out = dict(INT)
    if minimum is not None:
        out["minimum"] = minimum
    if maximum is not None:
        out["maximum"] = maximum
    return out


def _or_null(fragment: dict) -> dict:
    return {"anyOf": [NULL, fragment]}


def _any_case(word: str) -> str:
    """A regular expression for `word` in any case (ECMA-262 has no inline flags)."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else "\\" + c if not c.isalnum() else c for c in word)


POSITIVE = _int(1, MAX_INT)
SHAPE = {"type": "array", "maxItems": MAX_RANK, "items": {"anyOf": [_int(1), NULL]}}


def _ints(n: int, minimum: int = 1) -> dict:
    item = _int(minimum)
    return {"anyOf": [item, {"type": "array", "minItems": n, "maxItems": n, "items": item}]}


def _int_list(maximum=MAX_RANK, item=INT) -> dict:
    out = {"type": "array", "minItems": 1, "items": item}
    if maximum is not None:
        out["maxItems"] = maximum
    return out


def _one_of(choices) -> dict:
    return {"enum": list(choices)}


def _names(choices) -> str:
    return ", ".join("null" if c is None else json.dumps(c) if isinstance(c, bool) else str(c) for c in choices)


def _check_one_of(choices):
    return _one_of(choices), f"one of {_names(choices)}"


def _check_ints(n, minimum):
    what = f"an integer >= {minimum}" if minimum != 1 else "a positive integer"
    return _ints(n, minimum), f"{what} or a list of {n}"


def _check_optional_ints(inner):
    fragment, what = fragment_of(inner)
    return _or_null(fragment), what + ", or null"


def _check_size_arg(n, minimum, text_choices):
    item = _int(minimum)
    forms = [item, {"type": "array", "minItems": n, "maxItems": n, "items": item}]
    if text_choices:
        forms.append(_one_of(text_choices))
    what = ("a positive integer" if minimum == 1 else f"an integer >= {minimum}") + f" or a list of {n}"
    return {"anyOf": forms}, what + "".join(f" or {c}" for c in text_choices)


def _check_adaptive(n):
    item = {"anyOf": [_int(1), NULL]}
    forms = [_int(1), {"type": "array", "minItems": n, "maxItems": n, "items": item}]
    if n == 1:
        forms.append(NULL)
    return {"anyOf": forms}, f"a positive integer or a list of {n} (each may be null)"


def _check_pairs(rank):
    pair = _ints(2, 0)
    return ({"anyOf": [_int(0), {"type": "array", "minItems": rank, "maxItems": rank, "items": pair}]},
            f"an integer >= 0, or a list of {rank} integers or pairs")


def _check_equation(module):
    forms = "|".join(form.pattern for form, _ in module._EINSUM)
    return ({"type": "string", "pattern": f"^(?:{forms})$"},
            "an einsum equation: ab,bc->ac, ...b,bc->...c or ab...,bc->ac...")


def _check_interpolation(module):
    words = "|".join(_any_case(w) for w in module._INTERPOLATIONS)
    return {"type": "string", "pattern": f"^(?:{words})$"}, f"one of {', '.join(module._INTERPOLATIONS)} (any case)"


def _activation():
    return ({"anyOf": [NULL, {"type": "object"}, _one_of(sorted(registry.checks.ACTIVATIONS))]},
            "an activation name, a mapping or null")


SETTING = {"type": ["string", "object", "null"]}
REF = {"type": "string", "minLength": 1,
       "description": "an input or a layer: `encoder`, or `encoder[1]` for its second output"}
REFS = {"anyOf": [REF, {"type": "array", "minItems": 1, "items": REF}]}

# module.qualname -> a function of the check's closure variables (and its module) that gives
# (fragment, what). Named checks have no closure variables.
_CHECKS = {
    "gru_params.layers.checks.anything": lambda: ({}, "any value"),
    "gru_params.layers.checks.number": lambda: (NUMBER, "a number"),
    "gru_params.layers.checks.fraction": lambda: (
        {"type": "number", "minimum": 0, "maximum": 1}, "a number from 0 to 1"),
    "gru_params.layers.checks.optional_int": lambda: ({"type": ["integer", "null"]}, "an integer or null"),
    "gru_params.layers.checks.optional_positive_int": lambda: (_or_null(POSITIVE), "a positive integer or null"),
    "gru_params.layers.checks.integer": lambda: (INT, "an integer"),
    "gru_params.layers.checks.text": lambda: ({"type": "string", "minLength": 1}, "a name"),
    "gru_params.layers.checks.setting": lambda: (SETTING, "a name, a {class_name, config} mapping or null"),
    "gru_params.layers.checks.activation": _activation,
    "gru_params.layers.checks.one_of.<locals>.check": _check_one_of,
    "gru_params.layers.checks.ints.<locals>.check": _check_ints,
    "gru_params.layers.checks.optional_ints.<locals>.<lambda>": _check_optional_ints,
    "gru_params.layers.checks.int_list": lambda: (_int_list(), f"a list of 1 to {MAX_RANK} integers"),
    "gru_params.layers.checks.optional_ints_list": lambda: (
        {"anyOf": [NULL, POSITIVE, _int_list(item=POSITIVE)]},
        f"a positive integer, a list of 1 to {MAX_RANK} of them, or null"),
    "gru_params.layers.checks.axis_arg": lambda: ({"anyOf": [INT, _int_list()]}, "an axis or a list of axes"),
    "gru_params.layers.checks.input_shape_arg": lambda: (SHAPE, "a per-sample shape: positive integers or nulls"),
    "gru_params.errors.positive_int": lambda: (POSITIVE, "a positive integer"),
    "gru_params.errors.non_negative_int": lambda: (_int(0, MAX_INT), "an integer >= 0"),
    "gru_params.errors.boolean": lambda: ({"type": "boolean"}, "true or false"),
    # the family modules' own checks
    "gru_params.layers.activations._at_least_zero": lambda: ({"type": "number", "minimum": 0}, "a number >= 0"),
    "gru_params.layers.activations._optional_at_least_zero": lambda: (
        _or_null({"type": "number", "minimum": 0}), "a number >= 0 or null"),
    "gru_params.layers.activations._shared_axes": lambda: (
        {"anyOf": [NULL, _int(1), {"type": "array", "items": _int(1)}]}, "an axis (1 and up), a list of them, or null"),
    "gru_params.layers.core._bias_axes": lambda: (
        _or_null({"type": "string", "pattern": "^[A-Za-z]+$"}), "the letters of output axes, or null"),
    "gru_params.layers.core._equation": lambda module: _check_equation(module),
    "gru_params.layers.core._partial_shape": lambda: (
        {"anyOf": [_int(1), SHAPE]}, "a positive integer or a list of sizes (null for an axis the input fixes)"),
    "gru_params.layers.core._lambda_shape": lambda: (
        {"anyOf": [NULL, {"type": "object"}, SHAPE, {"type": "array", "minItems": 1, "items": SHAPE}]},
        "a per-sample shape, a list of them, or null"),
    "gru_params.layers.core._not_quantized": lambda: (NULL, "null: quantized layers are not counted"),
    "gru_params.layers.merging._dot_axes": lambda: (
        {"anyOf": [INT, {"type": "array", "minItems": 2, "maxItems": 2, "items": INT}]}, "an axis or a pair of axes"),
    "gru_params.layers.normalization._groups": lambda: (
        {"type": "integer", "minimum": -1, "not": {"const": 0}}, "a positive integer or -1 (one group a channel)"),
    "gru_params.layers.pooling._output_size.<locals>.check": lambda rank, inner: _check_ints(rank, 1),
    "gru_params.layers.preprocessing._number_list": lambda: (
        _or_null({"type": "array", "items": NUMBER}), "a list of numbers or null"),
    "gru_params.layers.preprocessing._vocabulary": lambda: (
        {"type": ["string", "array", "null"]}, "a list of tokens, a file name or null"),
    "gru_params.layers.preprocessing._optional_axes": lambda: (
        {"anyOf": [NULL, INT, {"type": "array", "maxItems": MAX_RANK, "items": INT}]},
        "an axis, a list of them, or null"),
    "gru_params.layers.reshaping._pair": lambda: _check_ints(2, 0),
    "gru_params.layers.reshaping._pairs.<locals>.check": _check_pairs,
    "gru_params.layers.keras2._factor": lambda: (
        {"anyOf": [{"type": "number", "minimum": 0, "maximum": 1},
                   {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number", "minimum": -1}}]},
        "a number f for [-f, f], or [lower, upper]"),
    "gru_params.layers.keras2._interpolation": lambda module: _check_interpolation(module),
    "gru_params.layers.keras2._rbf_kernel": lambda: (
        {"anyOf": [{"type": "object"},
                   {"type": "string", "pattern": f"^(?:{_any_case('gaussian')}|{_any_case('laplacian')})$"}]},
        "gaussian, laplacian or an initializer"),
    "gru_params.layers.keras2._positive_scale": lambda: (
        _or_null({"type": "number", "exclusiveMinimum": 0}), "a positive number or null"),
    "gru_params.layers.keras2._non_negative": lambda: ({"type": "number", "minimum": 0}, "a number >= 0"),
    "gru_params.layers.torch._torch_rnn.<locals>.no_projection": lambda: (
        {"not": {}}, "not taken: proj_size is only supported for LSTM, not RNN or GRU"),
    "gru_params.layers.torch_modules.size_arg.<locals>.check": _check_size_arg,
    "gru_params.layers.torch_modules.optional_size_arg.<locals>.<lambda>": _check_optional_ints,
    "gru_params.layers.torch_modules.adaptive_size.<locals>.check": _check_adaptive,
    "gru_params.layers.torch_modules._int_list": lambda: (_int_list(None), "a list of integers"),
    "gru_params.layers.torch_transformer._num_layers": lambda module: (
        _int(1, module.MAX_NUM_LAYERS), f"a positive integer, at most {module.MAX_NUM_LAYERS:,}"),
}


def check_name(check) -> str:
    return f"{check.__module__}.{check.__qualname__}"


def fragment_of(check) -> tuple[dict, str] | tuple[None, str]:
    """The schema fragment of what `check` accepts, and a few words saying it; (None, ...)
    for a check this module does not know (tests/test_schema.py requires there is none)."""
    make = _CHECKS.get(check_name(check))
    if make is None:
        return None, "any value"
    params = inspect.signature(make).parameters
    if "module" in params:  # a check that reads its module's tables (core._EINSUM)
        return make(sys.modules[check.__module__])
    closure = inspect.getclosurevars(check).nonlocals
    return make(*(closure[p] for p in params))


def unknown_checks() -> list[str]:
    """The check functions of the registry that `_CHECKS` does not map."""
    found = set()
    for kinds in registry.REGISTRIES.values():
        for kind in kinds.values():
            checks = [c for k, (c, _) in kind.args.items() if k not in kind.nested]
            checks += [c for c in kind.call.values() if c not in (registry.TENSOR, registry.TENSORS)]
            found.update(check_name(c) for c in checks if check_name(c) not in _CHECKS)
    return sorted(found)


# ---- the schema ----------------------------------------------------------------------------

def _json_default(value):
    """A default as JSON (tuples as lists), or None when it is not JSON."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError):
        return None


def _valid_default(check, key, default) -> bool:
    """Whether the default, as JSON, is a value the argument takes when written."""
    value = _json_default(default)
    if value is None and default is not None:
        return False
    try:
        check(key, value)
    except ArgumentError:
        return False
    return True


class _Builder:
    def __init__(self):
        self.defs: dict[str, dict] = {}
        self.shared: dict[str, str] = {}  # a fragment's JSON -> its name in $defs

    def share(self, base: str, fragment: dict) -> dict:
        """`fragment`, or a $ref to one copy of it in $defs when it is long."""
        key = json.dumps(fragment, sort_keys=True)
        if len(key) < 48:
            return dict(fragment)
        if key not in self.shared:
            name, i = f"arg.{base}", 1
            while name in self.defs:
                i += 1
                name = f"arg.{base}{i}"
            self.defs[name] = fragment
            self.shared[key] = name
        return {"$ref": f"#/$defs/{self.shared[key]}"}

    def argument(self, check) -> tuple[dict, str]:
        fragment, what = fragment_of(check)
        if fragment is None:
            return {}, what
        base = check.__qualname__.split(".")[0].strip("_")
        return self.share(base, fragment), what


def _ref(name: str) -> dict:
    return {"$ref": f"#/$defs/{name}"}


def _kind_def(framework: str, kind, builder: _Builder) -> dict:
    where = FRAMEWORK_NAMES[framework]
    properties, required = {}, []
    for key, (check, default) in kind.args.items():
        if key in kind.nested:
            prop = _nested(framework, kind, key)
            what = _NESTED_WHAT.get(key, "a layer")
        else:
            prop, what = builder.argument(check)
        if default is registry.REQUIRED:
            required.append(key)
            prop = {**prop, "description": f"{what}; required"}
        elif not _valid_default(check, key, default) or key in kind.nested and default is not None:
            # not JSON, or a value the argument does not take when written (input_dim: null)
            prop = {**prop, "description": f"{what}; optional"}
        else:
            prop = {**prop, "description": f"{what}; default: {json.dumps(_json_default(default))}",
                    "default": _json_default(default)}
        properties[key] = prop
    title = f"{where}.{kind.class_name}"
    if kind.cell:
        title += " (an RNN cell: only inside RNN or StackedRNNCells)"
    out = {
        "description": title + (f"; requires {', '.join(required)}" if required else ""),
        "type": "object" if required else ["object", "null"],
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        out["required"] = required
    return out


def _layer_form(framework: str, kinds: dict, names, description: str) -> dict:
    """A layer among `names`: {ClassName: {arguments}}, {ClassName: null}, or a bare ClassName
    (for a class that requires no argument)."""
    names = list(names)
    bare = [n for n in names if not any(d is registry.REQUIRED for _, d in kinds[n].args.values())]
    forms = []
    if bare:
        forms.append({"type": "string", "enum": bare})
    forms.append({"type": "object", "minProperties": 1, "maxProperties": 1,
                  "properties": {n: _ref(_kind_name(framework, n, kinds)) for n in names},
                  "additionalProperties": False})
    return {"description": description, "anyOf": forms}


def _kind_name(framework: str, name: str, kinds: dict) -> str:
    """The $defs name of a class's definition: a Keras 2 class that is the same declaration
    as Keras 3's, with no layer inside it, shares Keras 3's."""
    return f"{'keras' if _shared_with_keras(framework, kinds[name]) else framework}.{kinds[name].class_name}"


def _shared_with_keras(framework: str, kind) -> bool:
    return (framework == "keras2" and not kind.nested
            and registry.REGISTRIES["keras"].get(kind.class_name) is kind)


def _nested(framework: str, kind, key: str) -> dict:
    """A nested argument: a layer, a list of layers or cells, a functional model."""
    required = kind.args[key][1] is registry.REQUIRED
    restricted = NESTED_CLASSES.get((framework, kind.class_name, key))
    if kind.class_name == "Bidirectional":
        restricted = registry.KERAS2_RECURRENT if framework == "keras2" else registry.RECURRENT
    if key == "layers":
        out = {"type": "array", "minItems": 1, "items": _ref(f"{framework}_layer")}
    elif kind.class_name == "Functional":
        out = _ref(f"{framework}_functional_model")
    elif key == "cells":
        out = {"type": "array", "minItems": 1, "items": _ref(f"{framework}_cell")}
    elif key == "cell":
        cell = _ref(f"{framework}_cell")
        out = {"anyOf": [cell, {"type": "array", "minItems": 1, "items": cell}]}
    elif restricted:
        out = _ref(f"{framework}.{kind.class_name}.{key}")
    else:
        out = _ref(f"{framework}_layer")
    return out if required else _or_null(out)


def _call_value(check) -> dict:
    if check == registry.TENSOR:
        return _ref("call_tensor")
    if check == registry.TENSORS or check is None:
        return _ref("call_tensors")
    fragment, _ = fragment_of(check)
    return _or_null(fragment if fragment is not None else {})


def _entry(framework: str, kinds: dict) -> dict:
    """A functional spec's layer entry: the layer, and beside it `inputs` and its call's
    keyword arguments (only those its class takes)."""
    layers = [n for n, k in kinds.items() if not k.cell]
    call_keys = sorted({"inputs"}.union(*(k.call for k in kinds.values())))
    properties = {n: _ref(_kind_name(framework, n, kinds)) for n in layers}
    properties["inputs"] = {"description": "what the layer is called on: a name, or a list of names "
                                           "(the entry above when left out)", **REFS}
    for key in call_keys:
        if key != "inputs":
            properties[key] = {"description": "a call argument (only for the layers that take it)"}
    dependent = {}
    for n in layers:
        kind = kinds[n]
        own = {"inputs": _call_value(kind.call.get("inputs", registry.TENSORS if kind.many_inputs else None))}
        own.update({k: _call_value(c) for k, c in kind.call.items()})
        dependent[n] = {"propertyNames": {"enum": [n, *own]}, "properties": own}
    entry = {"type": "object", "properties": properties, "additionalProperties": False,
             "not": {"propertyNames": {"enum": call_keys}}, "dependentSchemas": dependent}
    bare = [n for n in layers if not any(d is registry.REQUIRED for _, d in kinds[n].args.values())]
    return {"description": f"a layer of a functional model ({FRAMEWORK_NAMES[framework]}), with `inputs:` "
                           "and its call's arguments beside it",
            "anyOf": [{"type": "string", "enum": bare}, entry]}


def _inputs_schema() -> dict:
    return {"type": "object", "minProperties": 1, "additionalProperties": SHAPE,
            "description": "a functional model's inputs: name -> per-sample shape, like `tokens: [null]`"}


def _framework_defs(framework: str, builder: _Builder) -> dict:
    kinds = registry.REGISTRIES[framework]
    defs = {}
    for name, kind in kinds.items():
        if _shared_with_keras(framework, kind):
            continue
        if kind.class_name == name or kind.class_name not in kinds:  # an alias refers to its class's definition
            defs[f"{framework}.{kind.class_name}"] = _kind_def(framework, kind, builder)
    for name, kind in kinds.items():
        if name != kind.class_name and not _shared_with_keras(framework, kind):  # MaxPool1D for MaxPooling1D
            defs[f"{framework}.{kind.class_name}"]["description"] += f"; also written {name}"
    if framework == "keras":
        for name, kind in kinds.items():
            if name == kind.class_name and registry.REGISTRIES["keras2"].get(name) is kind and not kind.nested:
                defs[f"keras.{name}"]["description"] += "; the same in Keras 2 (framework: keras2)"
    layers = [n for n, k in kinds.items() if not k.cell]
    cells = [n for n, k in kinds.items() if k.cell]
    where = FRAMEWORK_NAMES[framework]
    defs[f"{framework}_layer"] = _layer_form(framework, kinds, layers,
                                             f"a layer ({where}): {{ClassName: {{arguments}}}} or a bare ClassName")
    if cells:
        defs[f"{framework}_cell"] = _layer_form(framework, kinds, cells, f"an RNN cell ({where})")
    for (fw, class_name, key), names in NESTED_CLASSES.items():
        if fw == framework:
            defs[f"{framework}.{class_name}.{key}"] = _layer_form(framework, kinds, names, f"{class_name}'s `{key}`")
    if "Bidirectional" in kinds:
        recurrent = registry.KERAS2_RECURRENT if framework == "keras2" else registry.RECURRENT
        defs[f"{framework}.Bidirectional.layer"] = _layer_form(
            framework, kinds, [n for n in recurrent if n in kinds], "a recurrent layer, which Bidirectional wraps")
        for key in ("layer", "backward_layer"):
            if key in kinds["Bidirectional"].nested:
                defs[f"{framework}.Bidirectional.{key}"] = defs[f"{framework}.Bidirectional.layer"]
    if framework in KERAS:
        defs[f"{framework}_entry"] = _entry(framework, kinds)
        defs[f"{framework}_functional_model"] = {
            "description": "a functional model used as a layer",
            "type": "object",
            "properties": {"inputs": _inputs_schema(),
                           "layers": {"type": "array", "minItems": 1, "items": _ref(f"{framework}_entry")},
                           "outputs": _ref("outputs")},
            "required": ["inputs", "layers"],
            "additionalProperties": False,
        }
    return defs


def _count(what: str, minimum: int = 0) -> dict:
    return {"type": "integer", "minimum": minimum, "description": what}


def _framework_is(name: str) -> dict:
    if name == "keras":  # the default
        return {"anyOf": [{"not": {"required": ["framework"]}},
                          {"required": ["framework"], "properties": {"framework": {"const": "keras"}}}]}
    return {"required": ["framework"], "properties": {"framework": {"const": name}}}


def _layers_for(framework: str) -> dict:
    sequential = {"properties": {"layers": {"items": _ref(f"{framework}_layer")}}}
    if framework not in KERAS:
        return {"if": _framework_is(framework),
                "then": {**sequential, "not": {"required": ["inputs"]}}}
    return {"if": _framework_is(framework),
            "then": {"if": {"required": ["inputs"]},
                     "then": {"properties": {"layers": {"items": _ref(f"{framework}_entry")}}},
                     "else": sequential}}


def spec_schema() -> dict:
    """The JSON Schema of a spec file, as a JSON-ready dict."""
    builder = _Builder()
    framework_defs = {}
    for framework in registry.REGISTRIES:
        framework_defs.update(_framework_defs(framework, builder))
    frameworks = list(registry.REGISTRIES)
    expect = {
        "type": "object",
        "description": "the counts `gru-params check` compares",
        "properties": {
            "total_params": _count("the model's total parameter count"),
            "trainable_params": _count("the trainable parameters"),
            "non_trainable_params": _count("the non-trainable parameters"),
            "layers": {"type": "object", "description": "layer name -> its parameter count",
                       "additionalProperties": _count("the layer's parameter count")},
        },
        "additionalProperties": False,
    }
    budget = {
        "type": "object",
        "description": "the limits `gru-params check` enforces; the cost ones at `compute`",
        "properties": {
            "max_params": _count("at most this many parameters"),
            "max_trainable_params": _count("at most this many trainable parameters"),
            "max_macs": _count("at most this many multiply-accumulates a forward pass"),
            "max_flops": _count("at most this many FLOPs a forward pass (2 a MAC)"),
            "max_weight_bytes": _count("at most this many bytes of weights"),
            "max_training_bytes": _count("at most this many bytes for a training step (weights, gradients, "
                                         "optimizer state, activations)"),
        },
        "additionalProperties": False,
    }
    compute = {
        "type": "object",
        "description": "the sequence, batch, dtype and optimizer the cost budgets are for",
        "properties": {
            "seq_len": _count("the length of the input's time axis", 1),
            "batch": {**_count("the batch size", 1), "default": 1},
            "dtype": {"enum": list(DTYPES), "description": "the dtype of weights and activations; default: float32"},
            "optimizer": {"enum": list(OPTIMIZERS), "description": "the optimizer whose state counts; default: adam"},
        },
        "additionalProperties": False,
    }
    properties = {
        "name": {"type": "string", "minLength": 1, "description": "the model's name; the file's stem by default"},
        "framework": {"enum": frameworks, "default": "keras",
                      "description": "whose layers and counts: " + ", ".join(frameworks) + "; default: keras"},
        "input": {**SHAPE, "description": "the per-sample input shape, no batch axis; null for a free axis: "
                                          "[null, 28]; [] for a scalar"},
        "inputs": _inputs_schema(),
        "layers": {"type": "array", "minItems": 1, "description": "the layers, in order"},
        "outputs": {**_ref("outputs"), "description": "a functional model's outputs; the last layer's by default"},
        "expect": expect,
        "budget": budget,
        "compute": compute,
        "source": {"type": "string", "pattern": "\\S",
                   "description": "a saved model or checkpoint this spec stands for, relative to the spec; "
                                  "then only name, source, expect, budget and compute"},
    }
    return {
        "$schema": DRAFT,
        "$id": SCHEMA_ID,
        "title": "gru-params model spec",
        "description": "A model spec for gru-params (summary, check): a Sequential or functional model as "
                       "Keras, Keras 2 or PyTorch takes it, or a saved file (`source:`), with the counts to "
                       "expect and the budgets to keep. Generated from gru-params's layer registry; "
                       "`gru-params check` has the last word (shapes, references).",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "allOf": [
            {"if": {"required": ["source"]},
             "then": {"propertyNames": {"enum": list(SOURCE_KEYS)}},
             "else": {"required": ["layers"]}},
            {"not": {"required": ["input", "inputs"]}},
            {"dependentRequired": {"outputs": ["inputs"]}},
            *(_layers_for(f) for f in frameworks),
        ],
        "$defs": {
            "outputs": {"description": "a name, or a list of names: `encoder`, `encoder[1]`", **REFS},
            "call_tensor": {"description": "a tensor: an input or a layer's output", "anyOf": [NULL, REF]},
            "call_tensors": {"description": "a tensor or a list of them", "anyOf": [NULL, *REFS["anyOf"]]},
            **builder.defs,
            **framework_defs,
        },
    }

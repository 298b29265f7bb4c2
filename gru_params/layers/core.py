"""keras/src/layers/core/: Dense, EinsumDense, Embedding, ReversibleEmbedding, Lambda (with its
output_shape), Masking, Identity."""

from __future__ import annotations

import math
import re

from ..errors import ArgumentError, boolean, fmt, non_negative_int, positive_int, shown
from . import costs
from .base import Built, INIT, Kind, REQUIRED, W, identity, layer_args
from .checks import activation, anything, input_shape_arg, optional_int, setting, text
from .shapes import known, min_ndim


def _lora(cfg, weights: list, name: str) -> list:
    """keras/src/layers/core/dense.py, embedding.py and einsum_dense.py enable_lora: with
    `lora_rank`, the full matrix is frozen and two trainable factors of that rank are added,
    (*shape[:-1], rank) and (rank, shape[-1])."""
    rank = cfg["lora_rank"]
    if not rank:
        return weights
    if rank < 0:
        raise ArgumentError(f"expected a positive integer for `lora_rank`, got {rank}")
    if cfg.get("kernel_constraint") is not None:
        raise ArgumentError("`lora_rank` with a `kernel_constraint`: Keras refuses LoRA on a constrained kernel")
    main, *rest = weights
    return [main._replace(trainable=False), *rest, W(f"lora_{name}_a", (*main.shape[:-1], rank)),
            W(f"lora_{name}_b", (rank, main.shape[-1]))]


def _not_quantized(key, value):
    """A quantized layer builds other weights (int8 kernels, scales): refused, never guessed."""
    if value is not None:
        raise ArgumentError(f"`{key}`: quantized layers are not counted yet; count the float model")
    return value


def _dense_build(cfg, shape, nested):
    min_ndim(shape, 2, "(batch, ..., features)")
    d, units = known(shape, -1, "features"), cfg["units"]
    weights = [W("kernel", (d, units))] + ([W("bias", (units,))] if cfg["use_bias"] else [])
    return Built((*shape[:-1], units), tuple(_lora(cfg, weights, "kernel")))


def _embedding_build(cfg, shape, nested):
    n, d = cfg["input_dim"], cfg["output_dim"]
    return Built((*shape, d), tuple(_lora(cfg, [W("embeddings", (n, d))], "embeddings")))


def _reversible_embedding_build(cfg, shape, nested):
    """reversible_embedding.py build: the embeddings (and their LoRA factors), then, unless the
    weights are tied, a reverse matrix (output_dim, input_dim)."""
    built = _embedding_build(cfg, shape, nested)
    if cfg["tie_weights"]:
        return built
    if cfg["lora_rank"]:
        raise ArgumentError("`lora_rank` with `tie_weights=False`: Keras 3.15 itself fails to build this layer")
    reverse = W("reverse_embeddings", (cfg["output_dim"], cfg["input_dim"]))
    return built._replace(weights=(*built.weights, reverse))


# keras/src/layers/core/einsum_dense.py _analyze_einsum_string: the three forms it takes, with
# "..." standing for the axes the equation does not name (on the left, or on the right)
_EINSUM = ((re.compile(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)"), None),
           (re.compile(r"\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)"), "left"),
           (re.compile(r"([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]+)\.\.\."), "right"))


def _equation(key, value):
    if isinstance(value, str) and any(form.fullmatch(value) for form, _ in _EINSUM):
        return value
    raise ArgumentError(f"expected an einsum equation of the form ab,bc->ac, ...b,bc->...c or ab...,bc->ac... "
                        f"for `{key}`, got {shown(value)}")


def _partial_shape(key, value):
    """EinsumDense's output_shape: an int, or a list of sizes with null for an axis the input fixes."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    return input_shape_arg(key, value)


def _bias_axes(key, value):
    if value is None or (isinstance(value, str) and value.isascii() and value.isalpha()):
        return value
    raise ArgumentError(f"expected the letters of output axes or null for `{key}`, got {shown(value)}")


def _einsum_dense_build(cfg, shape, nested):
    """einsum_dense.py _analyze_split_string: every output axis is the batch, one the output_shape
    gives (left to right), or one of the axes "..." stands for; the kernel takes each of its
    axes from the output if named there, else from the input; the bias spans the output from its
    first bias axis on, 1 where an axis is not a bias axis (and 1 for each axis "..." stands for on
    the right)."""
    equation = cfg["equation"]
    (inputs, kernel, outputs), side = next((m.groups(), side) for form, side in _EINSUM
                                           if (m := form.fullmatch(equation)))
    elided = len(shape) - len(inputs)
    if elided < (1 if side == "left" else 0) or (elided and side is None):
        raise ArgumentError(f"`equation` {equation} names {len(inputs)} input axes, the input {fmt(shape)} has "
                            f"{len(shape)}")
    out = [shape[0], *cfg["output_shape"]]
    if side == "left":  # Keras inserts each axis at position 1 in turn: their order comes out reversed,
        out[1:1] = shape[elided - 1:0:-1]  # and that is the shape the next layers get from it
    elif side == "right":
        out += shape[len(shape) - elided:]
    shift = elided if side == "left" else 0
    axis_in = {c: i + shift for i, c in enumerate(inputs)}
    axis_out = {c: i + shift for i, c in enumerate(outputs)}
    expected = len(outputs) - (side != "left")  # the output axes besides the batch and "..."
    if len(cfg["output_shape"]) != expected:
        raise ArgumentError(f"`output_shape` {fmt(cfg['output_shape'])} gives {len(cfg['output_shape'])} sizes, "
                            f"`equation` {equation} names {expected} output axes besides the batch")
    for c in inputs:
        if c in axis_out and out[axis_out[c]] is not None and out[axis_out[c]] != shape[axis_in[c]]:
            raise ArgumentError(f"input and output sizes differ at shared axis '{c}': {shape[axis_in[c]]} and "
                                f"{out[axis_out[c]]}")
    if missing := [c for c in outputs + kernel if c not in inputs + outputs or c not in inputs + kernel]:
        raise ArgumentError(f"axis '{missing[0]}' of `equation` {equation} is in neither the input nor the "
                            f"{'output' if missing[0] in kernel else 'kernel'}")
    sizes = [out[axis_out[c]] if c in axis_out else shape[axis_in[c]] for c in kernel]
    if None in sizes:
        raise ArgumentError(f"the kernel of `equation` {equation} needs every axis it shares known; got "
                            f"{fmt(tuple(sizes))}")
    weights = [W("kernel", tuple(sizes))]
    if cfg["bias_axes"] is not None:
        bias_axes = cfg["bias_axes"]
        if stray := [c for c in bias_axes if c not in outputs]:
            raise ArgumentError(f"`bias_axes` '{stray[0]}' is not an axis of the output '{outputs}'")
        first = min(outputs.find(c) for c in bias_axes)
        bias = [out[axis_out[c]] if c in bias_axes else 1 for c in outputs[first:]]
        if None in bias:
            raise ArgumentError(f"the bias over '{bias_axes}' needs its axes known; got {fmt(tuple(bias))}")
        weights.append(W("bias", (*bias, *[1] * (elided if side != "left" else 0))))
    return Built(tuple(out), tuple(_lora(cfg, weights, "kernel")))


def _with_lora(rule):
    """With `lora_rank`, the kernel Keras uses is the frozen one plus the product of the two
    factors, computed at every call (once a batch, not a sample): (*kernel[:-1], rank) @ (rank,
    kernel[-1]); `rule` counts the product with the kernel."""

    def macs(cfg, shape, built, **call):
        if not cfg["lora_rank"]:
            return rule(cfg, shape, built, **call)
        main, factors = built.weights[0], tuple(w for w in built.weights if w.name.startswith("lora_"))
        own = built._replace(weights=tuple(w for w in built.weights if w not in factors))
        return rule(cfg, shape, own, **call) + math.prod(main.shape) * cfg["lora_rank"]

    return macs


def _einsum_macs(cfg, shape, built, **call) -> int:
    """One einsum: the product of the sizes of every axis the product runs over (the batch
    and the axes "..." stands for included). An axis only one operand has is summed first."""
    (inputs, kernel, outputs), side = next((m.groups(), side) for form, side in _EINSUM
                                           if (m := form.fullmatch(cfg["equation"])))
    elided = len(shape) - len(inputs)
    shift = elided if side == "left" else 0
    sizes = {c: shape[i + shift] for i, c in enumerate(inputs)}
    sizes.update(zip(kernel, built.weights[0].shape))
    out = built.output
    sizes.update((c, out[i + shift]) for i, c in enumerate(outputs) if c not in sizes)
    used = [c for c in sizes if sum(c in operand for operand in (inputs, kernel, outputs)) >= 2]
    rest = shape[:elided] if side == "left" else shape[len(shape) - elided:] if side == "right" else ()  # "..."
    return math.prod(sizes[c] for c in used) * math.prod(rest)


def _lambda_shape(key, value):
    """Lambda's output_shape as a config or spec gives it: the per-sample shape (a list of sizes
    or nulls), a list of such shapes for several outputs, a serialized function (a mapping),
    which runs code and is refused when the layer is built, or {same_as_input: true}."""
    if value is None or isinstance(value, dict):
        return value
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        return [input_shape_arg(key, v) for v in value]
    return input_shape_arg(key, value)


def _lambda_build(cfg, shape, nested):
    """lambda_layer.py compute_output_shape: the batch axis of the (first) input, then the
    output_shape given; without one, Keras runs the function, which a config cannot."""
    given = cfg["output_shape"]
    if given == {"same_as_input": True}:  # Keras 2 under Theano or CNTK (sources/keras_legacy.py)
        return Built(shape)
    if given is None or isinstance(given, dict):
        why = "its `output_shape` is a Python function" if given else "it gives no `output_shape`"
        named = f" `{cfg['name']}`" if cfg["name"] else ""
        raise ArgumentError(f"Lambda{named} runs Python code and {why}: its output shape is not in the config; "
                            "give it, per sample, as `output_shape: [10]` in a spec, or with `--output-shape "
                            f"{cfg['name'] or 'NAME'}=10` for a saved model")
    batch = (shape[0] if isinstance(shape, list) else shape)[0]
    return Built([(batch, *s) for s in given] if isinstance(given, list) else (batch, *given))


def _custom_build(cfg, shape, nested):
    """A layer its author defined, with the output shape and count its user gave: the batch
    axis of its (first) input, then the shape; its parameters as one trainable and one
    non-trainable tensor, float32."""
    batch = (shape[0] if isinstance(shape, list) else shape)[0]
    weights = [W("weights", (cfg["params"],))] if cfg["params"] else []
    if cfg["non_trainable_params"]:
        weights.append(W("non_trainable_weights", (cfg["non_trainable_params"],), False))
    return Built((batch, *cfg["output_shape"]), tuple(weights))


_EMBEDDING_ARGS = dict(input_dim=(positive_int, REQUIRED), output_dim=(positive_int, REQUIRED),
                       embeddings_initializer=(setting, "uniform"), embeddings_regularizer=(setting, None),
                       embeddings_constraint=(setting, None), mask_zero=(boolean, False), weights=(anything, None),
                       lora_rank=(optional_int, None), lora_alpha=(anything, None),
                       quantization_config=(_not_quantized, None))

KINDS = (
    Kind("Embedding", layer_args(**_EMBEDDING_ARGS, input_length=(optional_int, None)), _embedding_build,
         macs=_with_lora(costs.zero), kept=costs.keeps_indices),
    Kind("ReversibleEmbedding", layer_args(**_EMBEDDING_ARGS, tie_weights=(boolean, True), reverse_dtype=(anything, None),
                                           logit_soft_cap=(anything, None)), _reversible_embedding_build,
         macs=_with_lora(costs.zero), kept=costs.keeps_indices),  # called as an embedding; reverse=True is a call of its own
    Kind("Dense", layer_args(units=(positive_int, REQUIRED), activation=(activation, None), use_bias=(boolean, True),
                        **INIT, lora_rank=(optional_int, None), lora_alpha=(anything, None),
                        quantization_config=(_not_quantized, None)),
         _dense_build, macs=_with_lora(costs.dense), kept=costs.keeps_input_if_trained),
    Kind("EinsumDense", layer_args(equation=(_equation, REQUIRED), output_shape=(_partial_shape, REQUIRED),
                              activation=(activation, None), bias_axes=(_bias_axes, None), **INIT,
                              lora_rank=(optional_int, None), lora_alpha=(anything, None),
                              gptq_unpacked_column_size=(anything, None), quantization_config=(_not_quantized, None)),
         _einsum_dense_build, macs=_with_lora(_einsum_macs), kept=costs.keeps_input_if_trained),
    # Called on one tensor or a list of them; `function` is code, which no count needs
    Kind("Lambda", layer_args(function=(anything, None), output_shape=(_lambda_shape, None), mask=(anything, None),
                              arguments=(anything, None)), _lambda_build, many_inputs=True,
         macs=costs.unknown, kept=costs.unknown),
    # Not a Keras class: a custom one, with what Keras cannot read from its config given
    Kind("CustomLayer", dict(layer_class=(text, REQUIRED), output_shape=(input_shape_arg, REQUIRED),
                             params=(non_negative_int, REQUIRED), non_trainable_params=(non_negative_int, 0),
                             name=(text, None), trainable=(boolean, True)),
         _custom_build, many_inputs=True, class_arg="layer_class", macs=costs.unknown,
         kept=costs.unknown),
    Kind("Masking", layer_args(mask_value=(anything, 0.0)), identity, macs=costs.zero, kept=costs.keeps_nothing),
    Kind("Identity", layer_args(), identity, macs=costs.zero, kept=costs.keeps_nothing),
)

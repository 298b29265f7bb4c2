"""keras/src/layers/core/: Dense, Embedding, ReversibleEmbedding, Masking, Identity."""

from __future__ import annotations

from ..errors import ArgumentError, boolean, positive_int
from .base import Built, INIT, Kind, REQUIRED, W, identity, layer_args
from .checks import activation, anything, optional_int, setting
from .shapes import known, min_ndim


def _lora(cfg, weights: list, name: str, rows: int, columns: int) -> list:
    """keras/src/layers/core/dense.py and embedding.py enable_lora: with `lora_rank`, the
    full matrix is frozen and two trainable factors of that rank are added."""
    rank = cfg["lora_rank"]
    if not rank:
        return weights
    if rank < 0:
        raise ArgumentError(f"expected a positive integer for `lora_rank`, got {rank}")
    main, *rest = weights
    return [main._replace(trainable=False), *rest, W(f"lora_{name}_a", (rows, rank)), W(f"lora_{name}_b", (rank, columns))]


def _not_quantized(key, value):
    """A quantized layer builds other weights (int8 kernels, scales): refused, never guessed."""
    if value is not None:
        raise ArgumentError(f"`{key}`: quantized layers are not counted yet; count the float model")
    return value


def _dense_build(cfg, shape, nested):
    min_ndim(shape, 2, "(batch, ..., features)")
    d, units = known(shape, -1, "features"), cfg["units"]
    weights = [W("kernel", (d, units))] + ([W("bias", (units,))] if cfg["use_bias"] else [])
    return Built((*shape[:-1], units), tuple(_lora(cfg, weights, "kernel", d, units)))


def _embedding_build(cfg, shape, nested):
    n, d = cfg["input_dim"], cfg["output_dim"]
    return Built((*shape, d), tuple(_lora(cfg, [W("embeddings", (n, d))], "embeddings", n, d)))


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


_EMBEDDING_ARGS = dict(input_dim=(positive_int, REQUIRED), output_dim=(positive_int, REQUIRED),
                       embeddings_initializer=(setting, "uniform"), embeddings_regularizer=(setting, None),
                       embeddings_constraint=(setting, None), mask_zero=(boolean, False), weights=(anything, None),
                       lora_rank=(optional_int, None), lora_alpha=(anything, None),
                       quantization_config=(_not_quantized, None))

KINDS = (
    Kind("Embedding", layer_args(**_EMBEDDING_ARGS, input_length=(optional_int, None)), _embedding_build),
    Kind("ReversibleEmbedding", layer_args(**_EMBEDDING_ARGS, tie_weights=(boolean, True), reverse_dtype=(anything, None),
                                           logit_soft_cap=(anything, None)), _reversible_embedding_build),
    Kind("Dense", layer_args(units=(positive_int, REQUIRED), activation=(activation, None), use_bias=(boolean, True),
                        **INIT, lora_rank=(optional_int, None), lora_alpha=(anything, None),
                        quantization_config=(_not_quantized, None)),
         _dense_build),
    Kind("Masking", layer_args(mask_value=(anything, 0.0)), identity),
    Kind("Identity", layer_args(), identity),
)

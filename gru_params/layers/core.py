"""keras/src/layers/core/: Dense, Embedding, Masking."""

from __future__ import annotations

from ..errors import boolean, positive_int
from .base import Built, INIT, Kind, REQUIRED, W, identity, layer_args
from .checks import activation, anything, optional_int, setting
from .shapes import known, min_ndim


def _dense_build(cfg, shape, nested):
    min_ndim(shape, 2, "(batch, ..., features)")
    d = known(shape, -1, "features")
    weights = [W("kernel", (d, cfg["units"]))] + ([W("bias", (cfg["units"],))] if cfg["use_bias"] else [])
    return Built((*shape[:-1], cfg["units"]), tuple(weights))


def _embedding_build(cfg, shape, nested):
    return Built((*shape, cfg["output_dim"]), (W("embeddings", (cfg["input_dim"], cfg["output_dim"])),))


KINDS = (
    Kind("Embedding", layer_args(input_dim=(positive_int, REQUIRED), output_dim=(positive_int, REQUIRED),
                            embeddings_initializer=(setting, "uniform"), embeddings_regularizer=(setting, None),
                            embeddings_constraint=(setting, None), mask_zero=(boolean, False),
                            weights=(anything, None), lora_rank=(optional_int, None), lora_alpha=(anything, None),
                            quantization_config=(anything, None), input_length=(optional_int, None)),
         _embedding_build),
    Kind("Dense", layer_args(units=(positive_int, REQUIRED), activation=(activation, None), use_bias=(boolean, True),
                        **INIT, lora_rank=(optional_int, None), lora_alpha=(anything, None),
                        quantization_config=(anything, None)),
         _dense_build),
    Kind("Masking", layer_args(mask_value=(anything, 0.0)), identity),
)

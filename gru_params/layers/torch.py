"""PyTorch modules (`framework: pytorch`). Shapes as torchinfo reports them with a batch of 1
in front: an RNN keeps every axis of its input but the last, whatever batch_first says
(torch/nn/modules/rnn.py forward). `input_size`, `in_features` and `normalized_shape` may be
left out where the previous layer fixes them; `trainable: false` stands for
requires_grad_(False). The other modules are declared in torch_modules.py, and the modules
made of modules (attention, transformers, Sequential) in torch_transformer.py."""

from __future__ import annotations

from ..errors import ArgumentError, boolean, fmt, positive_int
from ..formulas import count_layer
from . import costs
from .base import Built, Kind, REQUIRED, W, no_products, registry
from .checks import anything, fraction, integer, number, one_of, optional_int
from .torch_modules import DROPOUT, LAYER_NORM, LINEAR, MODULES, features_in
from .torch_transformer import TRANSFORMERS


def _torch_rnn(class_name: str) -> Kind:
    kind = {"RNN": "simplernn", "LSTM": "lstm", "GRU": "gru"}[class_name]

    def build(cfg, shape, nested):
        if len(shape) not in (2, 3):
            raise ArgumentError(f"expected a 2D or 3D input (time and features, with or without batch), got {fmt(shape)}")
        count = count_layer(kind, cfg["hidden_size"], features_in(cfg, "input_size", shape), framework="pytorch",
                            num_layers=cfg["num_layers"], use_bias=cfg["bias"], bidirectional=cfg["bidirectional"],
                            proj_size=cfg.get("proj_size", 0))
        return Built((*shape[:-1], count.output_dims[0]), tuple(W(w.name, w.shape) for w in count.weights),
                     gates=count.gates)

    def no_projection(key, value):
        raise ArgumentError("proj_size argument is only supported for LSTM, not RNN or GRU")

    args = dict(input_size=(optional_int, None), hidden_size=(positive_int, REQUIRED), num_layers=(positive_int, 1),
                bias=(boolean, True), batch_first=(boolean, False), dropout=(fraction, 0.0),
                bidirectional=(boolean, False), device=(anything, None), dtype=(anything, None),
                proj_size=(integer, 0) if class_name == "LSTM" else (no_projection, 0), trainable=(boolean, True))
    if class_name == "RNN":
        args["nonlinearity"] = (one_of("tanh", "relu"), "tanh")
    return Kind(class_name, args, build, macs=costs.recurrent(), kept=costs.keeps_steps(kind))


def _torch_embedding(cfg, shape, nested):
    return Built((*shape, cfg["embedding_dim"]), (W("weight", (cfg["num_embeddings"], cfg["embedding_dim"])),))


def _torch_cell(class_name: str) -> Kind:
    """RNNCell, LSTMCell, GRUCell: one step on a (batch, features) input; the weights of one
    layer of the matching RNN without the `_l0` suffix (torch/nn/modules/rnn.py RNNCellBase)."""
    kind = {"RNNCell": "simplernn", "LSTMCell": "lstm", "GRUCell": "gru"}[class_name]

    def build(cfg, shape, nested):
        if len(shape) != 2:
            raise ArgumentError(f"expected a 2D input (batch, features), got {fmt(shape)}")
        count = count_layer(kind, cfg["hidden_size"], features_in(cfg, "input_size", shape), framework="pytorch",
                            num_layers=1, use_bias=cfg["bias"], bidirectional=False)
        weights = tuple(W(w.name.removesuffix("_l0"), w.shape) for w in count.weights)
        return Built((shape[0], cfg["hidden_size"]), weights, gates=count.gates)

    args = dict(input_size=(optional_int, None), hidden_size=(positive_int, REQUIRED), bias=(boolean, True))
    if class_name == "RNNCell":
        args["nonlinearity"] = (one_of("tanh", "relu"), "tanh")
    return Kind(class_name, {**args, **_TORCH_COMMON}, build, macs=costs.dense,
                kept=costs.keeps_cell_step(kind))  # one step


_TORCH_COMMON = dict(device=(anything, None), dtype=(anything, None), trainable=(boolean, True))


TORCH_KINDS: dict[str, Kind] = registry(*no_products(  # the rest: lookups, normalization, elementwise
    _torch_rnn("RNN"),
    _torch_rnn("LSTM"),
    _torch_rnn("GRU"),
    _torch_cell("RNNCell"),
    _torch_cell("LSTMCell"),
    _torch_cell("GRUCell"),
    LINEAR,
    Kind("Embedding", dict(num_embeddings=(positive_int, REQUIRED), embedding_dim=(positive_int, REQUIRED),
                           padding_idx=(optional_int, None), max_norm=(anything, None), norm_type=(number, 2.0),
                           scale_grad_by_freq=(boolean, False), sparse=(boolean, False), **_TORCH_COMMON),
         _torch_embedding, kept=costs.keeps_indices),
    DROPOUT,
    LAYER_NORM,
    *MODULES,
    *TRANSFORMERS,
    kept=costs.keeps_input, Identity=costs.keeps_nothing, Flatten=costs.keeps_nothing, Unflatten=costs.keeps_nothing,
    EmbeddingBag=costs.keeps_bags, AdaptiveAvgPool1d=costs.keeps_input_unless_mean,
    AdaptiveAvgPool2d=costs.keeps_input_unless_mean, GroupNorm=costs.keeps_input_and_statistics(
        lambda cfg: 1, lambda cfg, channels: cfg["num_groups"]),
    **dict.fromkeys(("BatchNorm1d", "BatchNorm2d"), costs.keeps_input_and_statistics(lambda cfg: 1)), MaxPool1d=costs.keeps_input_and_argmax, MaxPool2d=costs.keeps_input_and_argmax,
    AdaptiveMaxPool1d=costs.keeps_input_and_argmax, Dropout1d=costs.keeps_channel_mask(True),
    Dropout2d=costs.keeps_channel_mask(True), RMSNorm=costs.keeps_rms,
))

"""Attention, transformer layers and nn.Sequential inside a model (`framework: pytorch`), with
torch 2.13's argument names and defaults (torch/nn/modules/activation.py MultiheadAttention,
torch/nn/modules/transformer.py).

A module made of modules gets a row for each module inside it that its forward calls, in the
order it calls them, as torchinfo lists them (TransformerEncoderLayer: self_attn, dropout1,
norm1, linear1, ...); its tensors are named as its named_parameters() names them, in the order
__init__ registered the modules (self_attn.in_proj_weight, linear1.weight, ...). Each row is named
by its attribute (`self_attn`, `layers`, `0`); infer joins the names into the module's path in
the model (`0.layers.1.linear1`), as named_modules() does."""

from __future__ import annotations

from typing import NamedTuple

from ..errors import ArgumentError, boolean, fmt, positive_int
from ..limits import MAX_NUM_LAYERS
from . import costs
from .costs import Kept
from .base import Built, Kind, REQUIRED, W
from .checks import anything, fraction, number, one_of, optional_positive_int
from .shapes import known
from .torch_modules import COMMON, DROPOUT, LAYER_NORM, LINEAR, TRAINABLE

# MultiheadAttention's out_proj is a module, but its forward never calls it (it passes the weights
# to F.multi_head_attention_forward): torchinfo lists no row for it, yet counts the module as one
# made of modules (not a leaf: its count shows only what no listed module inside it holds, and its
# tensors are left out of "Params size")
UNLISTED_SUBMODULES = frozenset({"MultiheadAttention"})


class _Part(NamedTuple):
    """A module that another module builds itself (TransformerEncoderLayer's linear1): built as a
    spec's layer is, so that it gets a row; infer places it where the module around it is."""

    kind: Kind
    args: dict
    where: None = None


def _part(kind: Kind, **args) -> _Part:
    defaults = {k: d for k, (_, d) in kind.args.items() if d is not REQUIRED}
    return _Part(kind, {**defaults, **args})


def _frozen(row):
    """A row of a module inside a frozen one: requires_grad_(False) reaches every tensor."""
    return row._replace(trainable=False, trainable_params=0, weights=tuple(w._replace(trainable=False)
                                                                           for w in row.weights),
                        children=tuple(map(_frozen, row.children)))


def _modules(cfg, shape, built: dict, order: list[str]) -> Built:
    """A module made of the modules `built` (attribute -> its row, in __init__'s order): their
    tensors under their names, and their rows in the order forward calls them."""
    weights = tuple(w._replace(name=f"{name}.{w.name}") for name, row in built.items() for w in row.weights)
    children = tuple(built[name] for name in order)
    if not cfg["trainable"]:
        weights = tuple(w._replace(trainable=False) for w in weights)
        children = tuple(map(_frozen, children))
    return Built(shape, weights, children)


def _sequence_input(cfg, key: str, shape) -> int:
    """A (sequence, features) input, batched or not, with `key` (embed_dim, d_model) features."""
    if len(shape) not in (2, 3):
        raise ArgumentError(f"expected a 2D or 3D input (sequence and features, with or without batch), "
                            f"got {fmt(shape)}")
    size = known(shape, -1, "features")
    if size != cfg[key]:
        raise ArgumentError(f"`{key}` is {cfg[key]}, but the input has {size} features {fmt(shape)}")
    return size


def _heads(d: int, heads: int, d_key: str, heads_key: str) -> None:
    if d % heads:  # torch: "embed_dim must be divisible by num_heads"
        raise ArgumentError(f"`{d_key}` {d} is not divisible by `{heads_key}` {heads}")


# ---- MultiheadAttention ------------------------------------------------------------------------

def _attention(cfg, shape, nested):
    """Self-attention on its input (query); key and value, if `kdim` and `vdim` say they have other
    features, are tensors of the same length. The output is the query's shape."""
    _heads(cfg["embed_dim"], cfg["num_heads"], "embed_dim", "num_heads")  # torch's __init__ checks first
    e = _sequence_input(cfg, "embed_dim", shape)
    kdim = e if cfg["kdim"] is None else cfg["kdim"]
    vdim = e if cfg["vdim"] is None else cfg["vdim"]
    if kdim == e and vdim == e:  # _qkv_same_embed_dim: one packed projection
        weights = [W("in_proj_weight", (3 * e, e))]
    else:
        weights = [W("q_proj_weight", (e, e)), W("k_proj_weight", (e, kdim)), W("v_proj_weight", (e, vdim))]
    if cfg["bias"]:
        weights.append(W("in_proj_bias", (3 * e,)))
    if cfg["add_bias_kv"]:
        weights += [W("bias_k", (1, 1, e)), W("bias_v", (1, 1, e))]
    weights += [W("out_proj.weight", (e, e))] + ([W("out_proj.bias", (e,))] if cfg["bias"] else [])
    return Built(shape, tuple(weights))


def _attention_macs(cfg, shape, built, **call) -> int:
    """The input projections (query, key, value), the scores and weighted sum of every head, and
    out_proj. torch reads a 3D input as (batch, sequence) with batch_first, else as (sequence,
    batch); bias_k / bias_v and a zero attention add a key each."""
    projections = costs.positions(shape) * costs.products(built.weights)
    batch, length = (1, shape[0]) if len(shape) == 2 else (shape[0], shape[1]) if cfg["batch_first"] else (
        shape[1], shape[0])
    keys = length + cfg["add_bias_kv"] + cfg["add_zero_attn"]
    e = cfg["embed_dim"]
    return projections + costs.sequence_attention((batch, length, e), (batch, keys, e), 1, e, e)


def _attention_kept(cfg, shape, built, **call) -> int:
    """Its three inputs, the projected query, keys and values, out_proj's input, and the
    attention weights (three times with dropout: the weights, their mask, the dropped ones)."""
    batch, length = (1, shape[0]) if len(shape) == 2 else (shape[0], shape[1]) if cfg["batch_first"] else (
        shape[1], shape[0])
    keys = length + cfg["add_bias_kv"] + cfg["add_zero_attn"]
    e, n = cfg["embed_dim"], batch * length
    kdim, vdim = cfg["kdim"] or e, cfg["vdim"] or e
    return (n * (e + kdim + vdim) + n * e + 2 * batch * keys * e + n * e
            + batch * cfg["num_heads"] * length * keys * (3 if cfg["dropout"] else 1))


def _layer_kept(cfg, shape, built, **call) -> Kept | None:
    """A transformer layer: what its modules keep, and the output of the activation its forward
    applies between linear1 and linear2 (not a module of its own). Without dropout, torch runs
    its attention as one fused kernel (scaled_dot_product_attention), which keeps a statistic a
    query and head instead of the weights: then, per query, 8 vectors of d_model, the
    feed-forward's input to linear2 (and GELU's input), 4 norm statistics, a statistic a head."""
    n = costs.positions(shape)
    if cfg["dropout"]:
        inner = costs.keeps_children(cfg, shape, built)
        return None if inner is None else inner._replace(values=inner.values + n * cfg["dim_feedforward"])
    ff = cfg["dim_feedforward"] * (2 if cfg["activation"] == "gelu" else 1)
    return Kept(n * (8 * cfg["d_model"] + ff + 4 + cfg["nhead"]))


MULTIHEAD_ATTENTION = Kind("MultiheadAttention", dict(
    embed_dim=(positive_int, REQUIRED), num_heads=(positive_int, REQUIRED), dropout=(fraction, 0.0),
    bias=(boolean, True), add_bias_kv=(boolean, False), add_zero_attn=(boolean, False),
    kdim=(optional_positive_int, None), vdim=(optional_positive_int, None), batch_first=(boolean, False),
    **COMMON), _attention, macs=_attention_macs, kept=_attention_kept)


# ---- TransformerEncoderLayer, TransformerDecoderLayer ----------------------------------------

def _transformer_layer(decoder: bool):
    """TransformerEncoderLayer and TransformerDecoderLayer: self-attention (and, in a decoder,
    attention over `memory`, a tensor of d_model features), then the feed-forward block, each
    with its dropout and LayerNorm, norm_first or after. The output is the input's shape."""

    def build(cfg, shape, nested):
        _heads(cfg["d_model"], cfg["nhead"], "d_model", "nhead")
        d = _sequence_input(cfg, "d_model", shape)
        p, bias, wide = cfg["dropout"], cfg["bias"], (*shape[:-1], cfg["dim_feedforward"])
        attention = _part(MULTIHEAD_ATTENTION, embed_dim=d, num_heads=cfg["nhead"], dropout=p, bias=bias,
                          batch_first=cfg["batch_first"])
        norm = _part(LAYER_NORM, normalized_shape=(d,), eps=cfg["layer_norm_eps"], bias=bias)
        dropout = _part(DROPOUT, p=p)
        n = 3 if decoder else 2  # the feed-forward block's norm and dropout
        parts = {"self_attn": attention, **({"multihead_attn": attention} if decoder else {}),
                 "linear1": _part(LINEAR, in_features=d, out_features=cfg["dim_feedforward"], bias=bias),
                 "dropout": dropout, "linear2": _part(LINEAR, out_features=d, bias=bias),
                 **{f"norm{i}": norm for i in range(1, n + 1)}, **{f"dropout{i}": dropout for i in range(1, n + 1)}}
        blocks = [["self_attn", "dropout1"], *([["multihead_attn", "dropout2"]] if decoder else []),
                  ["linear1", "dropout", "linear2", f"dropout{n}"]]
        order = []  # x = norm(x + block(x)), or x = x + block(norm(x)) when norm_first
        for i, block in enumerate(blocks, 1):
            order += [f"norm{i}", *block] if cfg["norm_first"] else [*block, f"norm{i}"]
        built = {}
        for name in order:
            built[name] = nested(parts[name], wide if name in ("dropout", "linear2") else shape, name)[1]
        return _modules(cfg, shape, {name: built[name] for name in parts}, order)

    return build


def _transformer_layer_args() -> dict:
    return dict(d_model=(positive_int, REQUIRED), nhead=(positive_int, REQUIRED), dim_feedforward=(positive_int, 2048),
                dropout=(fraction, 0.1), activation=(one_of("relu", "gelu"), "relu"), layer_norm_eps=(number, 1e-05),
                batch_first=(boolean, False), norm_first=(boolean, False), bias=(boolean, True), **COMMON)


# ---- TransformerEncoder, Sequential ----------------------------------------------------------

def _module_list(cfg, shape, nested):
    """nn.ModuleList: its modules, named by index; it is never called itself, so it has no output
    (torchinfo prints `--`)."""
    built = {}
    for i, module in enumerate(cfg["modules"]):
        b, built[str(i)] = nested(module, shape, str(i))
        shape = b.output
    return _modules(cfg, (), built, list(built))


MODULE_LIST = Kind("ModuleList", dict(modules=(anything, REQUIRED), **TRAINABLE), _module_list, macs=costs.children,
                   kept=costs.keeps_children)


def _num_layers(key, value):
    return positive_int(key, value, MAX_NUM_LAYERS)


def _encoder(cfg, shape, nested):
    """TransformerEncoder: `num_layers` copies of encoder_layer (copy.deepcopy) in a ModuleList
    `layers`, one after another, then `norm` if given."""
    layer = cfg["encoder_layer"]
    if layer.kind.class_name != "TransformerEncoderLayer":  # its forward reads layers[0].self_attn
        raise ArgumentError(f"expected a TransformerEncoderLayer for `encoder_layer`, got {layer.kind.class_name}")
    layers = _part(MODULE_LIST, modules=(layer,) * cfg["num_layers"])
    built = {"layers": nested(layers, shape, "layers")[1]}  # an encoder layer keeps its input's shape
    order = ["layers"]
    if cfg["norm"] is not None:
        out, built["norm"] = nested(cfg["norm"], shape, "norm")
        shape = out.output
        order.append("norm")
    return _modules(cfg, shape, built, order)


def _sequential(cfg, shape, nested):
    """nn.Sequential inside a model: its modules one after another, named by index; as the model
    does, it hands the first tensor of a module's tuple to the next."""
    built = {}
    for i, module in enumerate(cfg["layers"]):
        b, built[str(i)] = nested(module, shape, str(i))
        shape = b.output
    return _modules(cfg, shape, built, list(built))


TRANSFORMERS = (
    MULTIHEAD_ATTENTION,
    Kind("TransformerEncoderLayer", _transformer_layer_args(), _transformer_layer(decoder=False), macs=costs.children,
         kept=_layer_kept),
    Kind("TransformerDecoderLayer", _transformer_layer_args(), _transformer_layer(decoder=True), macs=costs.children,
         kept=_layer_kept),
    Kind("TransformerEncoder", dict(encoder_layer=(anything, REQUIRED), num_layers=(_num_layers, REQUIRED),
                                    norm=(anything, None), enable_nested_tensor=(boolean, True),
                                    mask_check=(boolean, True), **TRAINABLE), _encoder, ("encoder_layer", "norm"),
         macs=costs.children, kept=costs.keeps_children),
    Kind("Sequential", dict(layers=(anything, REQUIRED), **TRAINABLE), _sequential, ("layers",), macs=costs.children,
         kept=costs.keeps_children),
)

"""PyTorch modules beyond the recurrent ones (`framework: pytorch`): convolutions and pooling,
normalization, embeddings, reshaping, dropout and activations, each declared with torch 2.13's
argument names and defaults (tests/test_torch_signatures.py compares them with the real classes).
Shapes have the batch axis of 1 in front, as torchinfo reports them; the sizes follow the
formulas in torch's docstrings (Conv1d, MaxPool1d, ConvTranspose1d: "Shape")."""

from __future__ import annotations

import math

from ..errors import ArgumentError, boolean, fmt, positive_int, shown
from . import costs
from .base import Built, Kind, REQUIRED, W, identity
from .checks import anything, fraction, integer, number, one_of, optional_int, optional_ints_list
from .shapes import known

COMMON = dict(device=(anything, None), dtype=(anything, None), trainable=(boolean, True))


# ---- argument checks: the value as torch takes it (an int or a list of n), kept as given ----

def size_arg(n: int, minimum: int = 1, text_choices: tuple = ()):
    """An int or a list of `n` ints, each at least `minimum` (kernel_size, stride, padding...)."""

    def check(key, value):
        if isinstance(value, str) and value in text_choices:
            return value
        values = value if isinstance(value, list) else [value]
        if (len(values) not in (1, n) if not isinstance(value, list) else len(values) != n) or any(
                isinstance(v, bool) or not isinstance(v, int) or v < minimum for v in values):
            what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
            extra = "".join(f" or {c!r}" for c in text_choices)
            raise ArgumentError(f"expected {what} or a list of {n} for `{key}`{extra}, got {shown(value)}")
        return tuple(value) if isinstance(value, list) else value

    return check


def optional_size_arg(n: int, minimum: int = 1):
    inner = size_arg(n, minimum)
    return lambda key, value: None if value is None else inner(key, value)


def adaptive_size(n: int):
    """AdaptiveAvgPool2d's output_size: an int, or a list of n ints or nulls (keep that axis)."""

    def check(key, value):
        values = value if isinstance(value, list) else [value]
        if (len(values) != n if isinstance(value, list) else n > 1 and value is None) or any(
                v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1) for v in values):
            raise ArgumentError(f"expected a positive integer or a list of {n} (each may be null) for `{key}`, "
                                f"got {shown(value)}")
        return tuple(value) if isinstance(value, list) else value

    return check


def _each(value, n: int) -> tuple:
    return tuple(value) if isinstance(value, tuple) else (value,) * n


def _channels(cfg, key: str, shape, axis: int = 1) -> int:
    size = known(shape, axis, "channels")
    given = cfg.get(key)
    if given is not None and given != size:
        raise ArgumentError(f"`{key}` is {given}, but the input has {size} channels {fmt(shape)}")
    return size


def _rank(shape, ranks: tuple, what: str) -> None:
    if len(shape) not in ranks:
        wanted = " or ".join(f"{r}D" for r in ranks)
        raise ArgumentError(f"expected a {wanted} input {what}, got {fmt(shape)}")


# ---- convolution ------------------------------------------------------------------------

def _out_length(size, kernel, stride, padding, dilation, what="kernel") -> int | None:
    if size is None:
        return None
    out = (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
    if out <= 0:
        raise ArgumentError(f"the input length {size} is too short for {what} {kernel} (padding {padding}, "
                            f"dilation {dilation}): the output would be empty")
    return out


def _conv(n: int, transposed: bool = False):
    def build(cfg, shape, nested):
        _rank(shape, (n + 2,), "(batch, channels, " + ("length)" if n == 1 else "height, width)"))
        c_in, c_out, groups = _channels(cfg, "in_channels", shape), cfg["out_channels"], cfg["groups"]
        if c_in % groups or c_out % groups:
            raise ArgumentError(f"`in_channels` ({c_in}) and `out_channels` ({c_out}) must both be divisible "
                                f"by `groups` ({groups})")
        kernel, stride, dilation = (_each(cfg[k], n) for k in ("kernel_size", "stride", "dilation"))
        padding = cfg["padding"]
        spatial = shape[2:]
        if transposed:
            out_pad = _each(cfg["output_padding"], n)
            if any(p >= max(s, d) for p, s, d in zip(out_pad, stride, dilation)):
                raise ArgumentError(f"`output_padding` {list(out_pad)} must be smaller than `stride` or `dilation`")
            lengths = tuple(None if size is None else (size - 1) * s - 2 * p + d * (k - 1) + op + 1
                            for size, s, p, d, k, op in zip(spatial, stride, _each(padding, n), dilation, kernel,
                                                            out_pad))
            if any(x is not None and x < 0 for x in lengths):  # torch allows a length of 0 here
                raise ArgumentError(f"the output length would be negative: {list(lengths)}")
            weight = (c_in, c_out // groups, *kernel)
        else:
            if padding == "same":
                if any(s != 1 for s in stride):
                    raise ArgumentError("padding='same' is not supported for strided convolutions")
                lengths = tuple(spatial)
            else:
                pads = (0,) * n if padding == "valid" else _each(padding, n)
                lengths = tuple(_out_length(*a) for a in zip(spatial, kernel, stride, pads, dilation))
            weight = (c_out, c_in // groups, *kernel)
        weights = (W("weight", weight),) + ((W("bias", (c_out,)),) if cfg["bias"] else ())
        return Built((shape[0], c_out, *lengths), weights)

    return build


def _conv_args(n: int, transposed: bool = False) -> dict:
    args = dict(in_channels=(optional_int, None), out_channels=(positive_int, REQUIRED),
                kernel_size=(size_arg(n), REQUIRED), stride=(size_arg(n), 1),
                padding=(size_arg(n, 0, () if transposed else ("valid", "same")), 0))
    if transposed:
        args["output_padding"] = (size_arg(n, 0), 0)
    args.update(groups=(positive_int, 1), bias=(boolean, True), dilation=(size_arg(n), 1),
                padding_mode=(one_of(*(("zeros",) if transposed else ("zeros", "reflect", "replicate", "circular"))),
                              "zeros"), **COMMON)
    return args


# ---- pooling -----------------------------------------------------------------------------

def _pool_length(size, kernel, stride, padding, dilation, ceil_mode):
    """torch's pooling_output_shape (aten/src/ATen/native/Pool.h)."""
    if size is None:
        return None
    out = (size + 2 * padding - dilation * (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    if out <= 0:
        raise ArgumentError(f"the input length {size} is too short for kernel {kernel}: the output would be empty")
    return out


def _pool(n: int, dilated: bool):
    def build(cfg, shape, nested):
        _rank(shape, (n + 1, n + 2), "(batch, channels, " + ("length)" if n == 1 else "height, width)"))
        kernel = _each(cfg["kernel_size"], n)
        stride = kernel if cfg["stride"] is None else _each(cfg["stride"], n)
        padding = _each(cfg["padding"], n)
        dilation = _each(cfg["dilation"], n) if dilated else (1,) * n
        for k, p, d in zip(kernel, padding, dilation):
            if p > ((k - 1) * d + 1) // 2:
                raise ArgumentError(f"`padding` should be at most half of the kernel size, got padding {p} "
                                    f"for kernel {k}")
        lengths = tuple(_pool_length(*a, cfg["ceil_mode"]) for a in zip(shape[-n:], kernel, stride, padding, dilation))
        return Built((*shape[:-n], *lengths))

    return build


def _pool_args(n: int, kind: str) -> dict:
    args = dict(kernel_size=(size_arg(n), REQUIRED), stride=(optional_size_arg(n), None),
                padding=(size_arg(n, 0), 0))
    if kind == "max":
        args.update(dilation=(size_arg(n), 1), return_indices=(boolean, False), ceil_mode=(boolean, False))
    else:
        args.update(ceil_mode=(boolean, False), count_include_pad=(boolean, True))
        if n == 2:
            args["divisor_override"] = (optional_int, None)
    return args


def _adaptive(n: int):
    def build(cfg, shape, nested):
        _rank(shape, (n + 1, n + 2), "(batch, channels, " + ("length)" if n == 1 else "height, width)"))
        sizes = _each(cfg["output_size"], n)
        return Built((*shape[:-n], *(s if o is None else o for s, o in zip(shape[-n:], sizes))))

    return build


# ---- normalization -----------------------------------------------------------------------

def _affine(cfg, channels: int) -> tuple:
    """BatchNorm's and GroupNorm's weight and bias (torch/nn/modules/batchnorm.py _NormBase); the
    running statistics are buffers, not parameters."""
    if not cfg["affine"]:
        return ()
    return (W("weight", (channels,)),) + ((W("bias", (channels,)),) if cfg["bias"] else ())


def _batch_norm(ranks: tuple):
    def build(cfg, shape, nested):
        _rank(shape, ranks, "(batch, channels" + (", length)" if ranks == (2, 3) else ", height, width)"))
        return Built(shape, _affine(cfg, _channels(cfg, "num_features", shape)))

    return build


def _group_norm(cfg, shape, nested):
    _rank(shape, tuple(range(2, 9)), "(batch, channels, ...)")
    c = _channels(cfg, "num_channels", shape)
    if c % cfg["num_groups"]:
        raise ArgumentError(f"`num_channels` ({c}) must be divisible by `num_groups` ({cfg['num_groups']})")
    return Built(shape, _affine(cfg, c))


def normalized_shape(cfg, shape) -> tuple:
    """LayerNorm's and RMSNorm's normalized_shape: given, it must end the input's shape; left
    out, the input's last axis."""
    normalized = cfg["normalized_shape"]
    if normalized is None:
        return (known(shape, -1, "features"),)
    if tuple(shape[-len(normalized):]) != normalized:
        raise ArgumentError(f"`normalized_shape` {list(normalized)} is not the trailing shape of {fmt(shape)}")
    return normalized


def _rms_norm(cfg, shape, nested):
    normalized = normalized_shape(cfg, shape)
    return Built(shape, (W("weight", normalized),) if cfg["elementwise_affine"] else ())


def _layer_norm(cfg, shape, nested):
    normalized = normalized_shape(cfg, shape)
    weights = []
    if cfg["elementwise_affine"]:
        weights = [W("weight", normalized)] + ([W("bias", normalized)] if cfg["bias"] else [])
    return Built(shape, tuple(weights))


# ---- Linear, embeddings, Bilinear ----------------------------------------------------------

def features_in(cfg, key: str, shape) -> int:
    """The input's features (its last axis); `key` (input_size, in_features), if given, must agree."""
    size = known(shape, -1, "features")
    given = cfg.get(key)
    if given is not None and given != size:
        raise ArgumentError(f"`{key}` is {given}, but the input has {size} features {fmt(shape)}")
    return size


def _linear(cfg, shape, nested):
    d = features_in(cfg, "in_features", shape)
    weights = [W("weight", (cfg["out_features"], d))] + ([W("bias", (cfg["out_features"],))] if cfg["bias"] else [])
    return Built((*shape[:-1], cfg["out_features"]), tuple(weights))


def _embedding_bag(cfg, shape, nested):
    _rank(shape, (2,), "(batch, bag) of indices (a 1D input needs offsets, which a Sequential cannot pass)")
    return Built((shape[0], cfg["embedding_dim"]), (W("weight", (cfg["num_embeddings"], cfg["embedding_dim"])),))


def _bilinear(cfg, shape, nested):
    """nn.Bilinear takes two tensors, which nn.Sequential cannot pass: here its input is the
    first (in1_features on the last axis), and the output has out_features there."""
    size = known(shape, -1, "features")
    if size != cfg["in1_features"]:
        raise ArgumentError(f"`in1_features` is {cfg['in1_features']}, but the input has {size} features {fmt(shape)}")
    out = cfg["out_features"]
    weights = (W("weight", (out, cfg["in1_features"], cfg["in2_features"])),) + ((W("bias", (out,)),) if cfg["bias"]
                                                                              else ())
    return Built((*shape[:-1], out), weights)


# ---- reshaping -----------------------------------------------------------------------------

def _dim(d: int, shape, key: str) -> int:
    if not -len(shape) <= d < len(shape):
        raise ArgumentError(f"`{key}` {d} is out of range for {fmt(shape)}")
    return d % len(shape)


def _flatten(cfg, shape, nested):
    start, end = _dim(cfg["start_dim"], shape, "start_dim"), _dim(cfg["end_dim"], shape, "end_dim")
    if start > end:
        raise ArgumentError(f"`start_dim` ({cfg['start_dim']}) comes after `end_dim` ({cfg['end_dim']}) "
                            f"for {fmt(shape)}")
    middle = shape[start:end + 1]
    size = None if None in middle else math.prod(middle)
    return Built((*shape[:start], size, *shape[end + 1:]))


def _unflatten(cfg, shape, nested):
    dim = _dim(cfg["dim"], shape, "dim")
    sizes, size = list(cfg["unflattened_size"]), shape[dim]
    if sizes.count(-1) > 1 or any(s < -1 or s == 0 for s in sizes):
        raise ArgumentError(f"expected positive sizes (one may be -1) for `unflattened_size`, got {sizes}")
    known_part = math.prod(s for s in sizes if s != -1)
    if size is not None:
        if -1 in sizes:
            if size % known_part:
                raise ArgumentError(f"`unflattened_size` {sizes} does not divide the size {size} of dim {dim}")
            sizes[sizes.index(-1)] = size // known_part
        elif known_part != size:
            raise ArgumentError(f"`unflattened_size` {sizes} does not multiply to the size {size} of dim {dim}")
    elif -1 in sizes:
        sizes[sizes.index(-1)] = None
    return Built((*shape[:dim], *sizes, *shape[dim + 1:]))


def _int_list(key, value):
    if not isinstance(value, list) or not value or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
        raise ArgumentError(f"expected a list of integers for `{key}`, got {shown(value)}")
    return tuple(value)


# ---- dropout and activations ---------------------------------------------------------------

def _dropout_nd(ranks: tuple, what: str):
    def build(cfg, shape, nested):
        _rank(shape, ranks, what)
        return Built(shape)

    return build


def _prelu(cfg, shape, nested):
    n = cfg["num_parameters"]
    if n != 1:
        channels = shape[1] if len(shape) >= 2 else 1
        if channels != n:
            raise ArgumentError(f"`num_parameters` is {n}, but the input has {channels} channels {fmt(shape)} "
                                "(it is 1 or the size of axis 1)")
    return Built(shape, (W("weight", (n,)),))


def _softmax_dim(cfg, shape, nested):
    if cfg["dim"] is not None:
        _dim(cfg["dim"], shape, "dim")
    return Built(shape)


INPLACE = dict(inplace=(boolean, False))
_CHANNELS_FIRST = lambda cfg: True  # noqa: E731 torch's layout, (batch, channels, *spatial)
TRAINABLE = dict(trainable=(boolean, True))

# The modules the transformer layers are made of (torch_transformer.py), and modules of their own
LINEAR = Kind("Linear", dict(in_features=(optional_int, None), out_features=(positive_int, REQUIRED),
                             bias=(boolean, True), **COMMON), _linear, macs=costs.dense, kept=costs.keeps_input_if_trained)
DROPOUT = Kind("Dropout", dict(p=(fraction, 0.5), **INPLACE, **TRAINABLE), identity, macs=costs.zero,
               kept=costs.keeps_input)  # its mask
LAYER_NORM = Kind("LayerNorm", dict(normalized_shape=(optional_ints_list, None), eps=(number, 1e-05),
                                    elementwise_affine=(boolean, True), bias=(boolean, True), **COMMON), _layer_norm,
                  macs=costs.zero, kept=costs.keeps_input_and_row_statistics)


MODULES = (
    Kind("Identity", dict(TRAINABLE), identity),
    Kind("Bilinear", dict(in1_features=(positive_int, REQUIRED), in2_features=(positive_int, REQUIRED),
                          out_features=(positive_int, REQUIRED), bias=(boolean, True), **COMMON), _bilinear,
         macs=costs.unknown, kept=costs.unknown),  # its second input is not in a Sequential
    Kind("EmbeddingBag", dict(num_embeddings=(positive_int, REQUIRED), embedding_dim=(positive_int, REQUIRED),
                              max_norm=(anything, None), norm_type=(number, 2.0), scale_grad_by_freq=(boolean, False),
                              mode=(one_of("sum", "mean", "max"), "mean"), sparse=(boolean, False),
                              include_last_offset=(boolean, False), padding_idx=(optional_int, None), **COMMON),
         _embedding_bag),
    Kind("Conv1d", _conv_args(1), _conv(1), macs=costs.convolution(_CHANNELS_FIRST)),
    Kind("Conv2d", _conv_args(2), _conv(2), macs=costs.convolution(_CHANNELS_FIRST)),
    Kind("ConvTranspose1d", _conv_args(1, transposed=True), _conv(1, transposed=True),
         macs=costs.convolution(_CHANNELS_FIRST, transposed=True)),
    Kind("MaxPool1d", {**_pool_args(1, "max"), **TRAINABLE}, _pool(1, True)),
    Kind("MaxPool2d", {**_pool_args(2, "max"), **TRAINABLE}, _pool(2, True)),
    Kind("AvgPool1d", {**_pool_args(1, "avg"), **TRAINABLE}, _pool(1, False)),
    Kind("AvgPool2d", {**_pool_args(2, "avg"), **TRAINABLE}, _pool(2, False)),
    Kind("AdaptiveAvgPool1d", dict(output_size=(adaptive_size(1), REQUIRED), **TRAINABLE), _adaptive(1)),
    Kind("AdaptiveAvgPool2d", dict(output_size=(adaptive_size(2), REQUIRED), **TRAINABLE), _adaptive(2)),
    Kind("AdaptiveMaxPool1d", dict(output_size=(adaptive_size(1), REQUIRED), return_indices=(boolean, False),
                                   **TRAINABLE), _adaptive(1)),
    *(Kind(name, dict(num_features=(optional_int, None), eps=(number, 1e-05), momentum=(anything, 0.1),
                      affine=(boolean, True), track_running_stats=(boolean, True), **COMMON,
                      bias=(boolean, True)), _batch_norm(ranks))
      for name, ranks in (("BatchNorm1d", (2, 3)), ("BatchNorm2d", (4,)))),
    Kind("GroupNorm", dict(num_groups=(positive_int, REQUIRED), num_channels=(optional_int, None),
                           eps=(number, 1e-05), affine=(boolean, True), **COMMON, bias=(boolean, True)),
         _group_norm),
    Kind("RMSNorm", dict(normalized_shape=(optional_ints_list, None), eps=(anything, None),
                         elementwise_affine=(boolean, True), **COMMON), _rms_norm),
    Kind("Dropout1d", dict(p=(fraction, 0.5), **INPLACE, **TRAINABLE),
         _dropout_nd((2, 3), "(batch, channels, length)")),
    Kind("Dropout2d", dict(p=(fraction, 0.5), **INPLACE, **TRAINABLE), identity),
    Kind("Flatten", dict(start_dim=(integer, 1), end_dim=(integer, -1), **TRAINABLE), _flatten),
    Kind("Unflatten", dict(dim=(integer, REQUIRED), unflattened_size=(_int_list, REQUIRED), **TRAINABLE), _unflatten),
    Kind("ReLU", dict(**INPLACE, **TRAINABLE), identity),
    Kind("Tanh", dict(TRAINABLE), identity),
    Kind("Sigmoid", dict(TRAINABLE), identity),
    Kind("GELU", dict(approximate=(one_of("none", "tanh"), "none"), **TRAINABLE), identity),
    Kind("SiLU", dict(**INPLACE, **TRAINABLE), identity),
    Kind("ELU", dict(alpha=(number, 1.0), **INPLACE, **TRAINABLE), identity),
    Kind("LeakyReLU", dict(negative_slope=(number, 0.01), **INPLACE, **TRAINABLE), identity),
    Kind("PReLU", dict(num_parameters=(positive_int, 1), init=(number, 0.25), **COMMON), _prelu),
    Kind("Softmax", dict(dim=(optional_int, None), **TRAINABLE), _softmax_dim),
    Kind("LogSoftmax", dict(dim=(optional_int, None), **TRAINABLE), _softmax_dim),
)

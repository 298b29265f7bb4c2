"""Keras 2 (tf_keras, `framework: keras2` and the files it saved): today's layers, with
Keras 2's rules where they differ, and the classes only Keras 2 has: CuDNNLSTM, CuDNNGRU,
SyncBatchNormalization, RandomFourierFeatures, ThresholdedReLU, RandomHeight, RandomWidth,
and LocallyConnected1D/2D (keras2_locally_connected.py). The rules are tf_keras 2.21's
(tf_keras/src/layers/...), which a golden file built by tf_keras checks.

Keras 2 lists a layer's trainable weights before its others (engine/base_layer.py, `weights`),
and freezes every weight of a frozen layer (infer's _keras2_freeze)."""

from __future__ import annotations

from ..errors import ArgumentError, boolean, fmt, positive_int
from ..formulas import count_layer
from . import costs, keras2_locally_connected
from .base import REQUIRED, Built, Kind, Shape, W, identity, layer_args, no_products, registry
from .checks import anything, axis_arg, number, one_of, optional_int, optional_positive_int, setting
from .recurrent import KINDS as KERAS3_RECURRENT, RECURRENT as KERAS3_RECURRENT_CLASSES
from .recurrent import bidirectional_directions, check_initial_state
from .shapes import known, ndim

# ---- recurrent ---------------------------------------------------------------------------


def _bidirectional_build(cfg, shape, nested, initial_state=None, mask=None):
    """tf_keras layers/rnn/bidirectional.py: Keras 2 takes a layer's output shape from what
    its call returns, not from compute_output_shape. concat joins the two directions' last
    axes (8 + 6 units: 14, where Keras 3 says 16); sum, mul and ave combine them elementwise,
    so their widths must be equal or one of them 1 (broadcast); None returns both outputs.
    The states follow: the forward layer's, then the backward layer's. The backward copy of
    `layer` runs with go_backwards flipped, where Keras 3 sets it True."""
    forward, backward, rows = bidirectional_directions(cfg, shape, nested, initial_state, keras2=True)
    (f_out, f_states), (b_out, b_states) = _outputs(forward), _outputs(backward)
    mode = cfg["merge_mode"]
    outputs = [f_out, b_out] if mode is None else [_merged(mode, f_out, b_out)]
    outputs += f_states + b_states
    return Built(outputs if len(outputs) > 1 else outputs[0], forward.weights + backward.weights, rows)


def _merged(mode: str, forward: Shape, backward: Shape) -> Shape:
    """The two directions' outputs joined on their last axis (concat, whose other axes must
    agree), or combined elementwise, broadcast where one of them has 1 (sum, mul, ave)."""
    if mode == "concat":
        if forward[:-1] != backward[:-1]:
            raise ArgumentError(f"`merge_mode: concat` joins the two directions' outputs on their last axis, so the "
                                f"others must agree, got {fmt(forward)} forward and {fmt(backward)} backward")
        return (*forward[:-1], forward[-1] + backward[-1])
    if len(forward) != len(backward) or any(f != b and 1 not in (f, b) for f, b in zip(forward, backward)):
        raise ArgumentError(f"`merge_mode: {mode}` combines the two directions elementwise, so their outputs must have "
                            f"the same shape (or 1 where they differ), got {fmt(forward)} forward and {fmt(backward)} "
                            "backward; use concat or None, or give both layers the same units")
    return tuple(b if f == 1 else f for f, b in zip(forward, backward))


def _outputs(built: Built) -> tuple[Shape, list]:
    """A recurrent layer's output and its states."""
    return (built.output[0], list(built.output[1:])) if isinstance(built.output, list) else (built.output, [])


_BIDIRECTIONAL = next(k for k in KERAS3_RECURRENT if k.class_name == "Bidirectional")


def _cudnn(kind: str, states: int) -> Kind:
    """CuDNNLSTM and CuDNNGRU (tf_keras layers/rnn/cudnn_lstm.py, cudnn_gru.py, base_cudnn_rnn.py):
    the keras2-cudnn convention's kernel, recurrent kernel and bias, whose input and recurrent
    halves every gate has; always a bias, no activations or dropout to choose. With
    time_major the input is (time, batch, features): the last step's output and the states
    are (batch, units), the sequence (time, batch, units)."""

    def build(cfg, shape, nested, initial_state=None, mask=None):
        ndim(shape, 3, "(batch, time, features)")
        units = cfg["units"]
        count = count_layer(kind, units, known(shape, -1, "features"), framework="keras2-cudnn")
        batch = shape[1] if cfg["time_major"] else shape[0]
        state_shapes = [(batch, units)] * states
        check_initial_state(initial_state, state_shapes)
        out = (shape[0], shape[1], units) if cfg["return_sequences"] else (batch, units)
        weights = tuple(W(w.name, w.shape) for w in count.weights)
        return Built([out, *state_shapes] if cfg["return_state"] else out, weights, gates=count.gates)

    own = dict(units=(positive_int, REQUIRED), kernel_initializer=(setting, "glorot_uniform"),
               recurrent_initializer=(setting, "orthogonal"), bias_initializer=(setting, "zeros"),
               **({"unit_forget_bias": (boolean, True)} if kind == "lstm" else {}),
               kernel_regularizer=(setting, None), recurrent_regularizer=(setting, None),
               bias_regularizer=(setting, None), kernel_constraint=(setting, None),
               recurrent_constraint=(setting, None), bias_constraint=(setting, None),
               return_sequences=(boolean, False), return_state=(boolean, False), go_backwards=(boolean, False),
               stateful=(boolean, False), time_major=(boolean, False))
    return Kind(f"CuDNN{kind.upper()}", layer_args(**own), build, call=_BIDIRECTIONAL.call, macs=costs.recurrent(),
                kept=costs.keeps_steps(kind))


# Bidirectional may wrap these in Keras 2
RECURRENT = (*KERAS3_RECURRENT_CLASSES, "CuDNNLSTM", "CuDNNGRU")


# ---- normalization -------------------------------------------------------------------------


def _sync_batch_norm_build(cfg, shape, nested):
    """tf_keras layers/normalization/batch_normalization.py, BatchNormalizationBase.build: one
    axis gives weights of its size; several axes (or a virtual_batch_size) weights of the
    input's rank, 1 on every other axis (and one more 1 after the batch axis for virtual
    batches). gamma and beta are trainable; the moving statistics (and renorm's) are not."""
    rank, given = len(shape), cfg["axis"]
    axes = [a + rank if a < 0 else a for a in (given if isinstance(given, tuple) else (given,))]
    given = list(given) if isinstance(given, tuple) else given
    if not all(0 <= a < rank for a in axes):
        raise ArgumentError(f"`axis` {given} names an axis {fmt(shape)} does not have")
    if len(set(axes)) < len(axes):
        raise ArgumentError(f"`axis` {given} names an axis twice")
    virtual = cfg["virtual_batch_size"]
    if virtual is not None and (0 in axes or cfg["adjustment"] is not None):
        raise ArgumentError("`virtual_batch_size` needs the batch axis (0) outside `axis`, and no `adjustment`")
    if cfg["fused"]:
        raise ArgumentError("`fused: true` is not supported by SyncBatchNormalization, which is synchronized")
    sizes = {a: known(shape, a, f"normalized (axis {a})") for a in axes}
    if len(sizes) == 1 and virtual is None:
        param = tuple(sizes.values())
    else:
        param = tuple(sizes.get(i, 1) for i in range(rank))
        param = (param[0], 1, *param[1:]) if virtual is not None else param
    names = [n for n, on in (("gamma", cfg["scale"]), ("beta", cfg["center"])) if on]
    stats = ["moving_mean", "moving_variance"] + (["moving_stddev", "renorm_mean", "renorm_stddev"] if cfg["renorm"]
                                                  else [])
    return Built(shape, tuple(W(n, param) for n in names) + tuple(W(n, param, False) for n in stats))


# SyncBatchNormalization's own arguments; BatchNormalizationBase takes the renorm and fused ones
# through **kwargs. It sets `synchronized` itself and refuses it.
_SYNC_BATCH_NORM = layer_args(
    axis=(axis_arg, -1), momentum=(number, 0.99), epsilon=(number, 0.001), center=(boolean, True),
    scale=(boolean, True), beta_initializer=(setting, "zeros"), gamma_initializer=(setting, "ones"),
    moving_mean_initializer=(setting, "zeros"), moving_variance_initializer=(setting, "ones"),
    beta_regularizer=(setting, None), gamma_regularizer=(setting, None), beta_constraint=(setting, None),
    gamma_constraint=(setting, None), renorm=(boolean, False), renorm_clipping=(anything, None),
    renorm_momentum=(number, 0.99), fused=(one_of(None, True, False), None),
    virtual_batch_size=(optional_positive_int, None), adjustment=(anything, None))


# ---- kernelized, activations, image preprocessing -------------------------------------------


def _random_fourier_features_build(cfg, shape, nested):
    """tf_keras layers/kernelized.py build: a (batch, features) input; a fixed random kernel
    and bias, and a trainable kernel_scale of one value. The layer is frozen by default
    (trainable=False), so all three are then non-trainable."""
    ndim(shape, 2, "(batch, features)")
    features, n = known(shape, -1, "features"), cfg["output_dim"]
    return Built((shape[0], n), (W("kernel_scale", (1,)), W("unscaled_kernel", (features, n), False),
                                 W("bias", (n,), False)))


def _rbf_kernel(key, value):
    """kernelized.py: gaussian or laplacian (any case), or an initializer's config."""
    if isinstance(value, dict) or isinstance(value, str) and value.lower() in ("gaussian", "laplacian"):
        return value
    raise ArgumentError(f"expected gaussian, laplacian or an initializer for `{key}`, got {value!r}")


def _positive_scale(key, value):
    if value is not None and number(key, value) <= 0:
        raise ArgumentError(f"expected a positive number or null for `{key}`, got {value}")
    return value


def _non_negative(key, value):
    if number(key, value) < 0:
        raise ArgumentError(f"expected a number >= 0 for `{key}`, got {value}")
    return value


def _factor(key, value):
    """image_preprocessing.py RandomHeight/RandomWidth: f for (-f, f), or [lower, upper];
    lower <= upper, neither below -1."""
    pair = value if isinstance(value, list) else [-number(key, value), value]
    if len(pair) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in pair):
        raise ArgumentError(f"expected a number or a list [lower, upper] for `{key}`, got {value!r}")
    if pair[1] < pair[0] or min(pair) < -1:
        raise ArgumentError(f"expected `{key}` with lower <= upper, neither below -1, got {value!r}")
    return value


_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")


def _interpolation(key, value):
    """image_utils.py get_interpolation: a method, in any case."""
    if isinstance(value, str) and value.lower() in _INTERPOLATIONS:
        return value
    raise ArgumentError(f"expected one of {', '.join(_INTERPOLATIONS)} for `{key}`, got {value!r}")


def _resized(axis: int):
    """image_preprocessing.py RandomHeight/RandomWidth: an image, or a batch of them (3 or
    4 axes with the batch axis; tf.image.resize takes no other), whose height (axis -3) or
    width (axis -2) becomes unknown."""

    def build(cfg, shape, nested):
        if len(shape) not in (3, 4):
            raise ArgumentError(f"expected a 3D or 4D input (batch, height, width[, channels]), got {fmt(shape)}")
        out = list(shape)
        out[axis] = None
        return Built(tuple(out))

    return build


_RANDOM_RESIZE = layer_args(factor=(_factor, REQUIRED), interpolation=(_interpolation, "bilinear"),
                            seed=(optional_int, None),
                            rng_type=(one_of(None, "stateful", "stateless", "legacy_stateful"), None))


KINDS = no_products(  # the rest: normalization, an activation, resizing
    _BIDIRECTIONAL._replace(build=_bidirectional_build),
    _cudnn("lstm", 2),
    _cudnn("gru", 1),
    *keras2_locally_connected.KINDS,
    Kind("SyncBatchNormalization", _SYNC_BATCH_NORM, _sync_batch_norm_build),
    Kind("RandomFourierFeatures", layer_args(output_dim=(positive_int, REQUIRED), kernel_initializer=(_rbf_kernel, "gaussian"),
                                             scale=(_positive_scale, None), trainable=(boolean, False)),
         _random_fourier_features_build, macs=costs.unknown),  # tf_keras only: no product seen here
    Kind("ThresholdedReLU", layer_args(theta=(_non_negative, 1.0)), identity),
    Kind("RandomHeight", _RANDOM_RESIZE, _resized(-3)),
    Kind("RandomWidth", _RANDOM_RESIZE, _resized(-2)),
    kept=costs.keeps_input, RandomHeight=costs.keeps_nothing, RandomWidth=costs.keeps_nothing,
    RandomFourierFeatures=costs.keeps_input
)


def kinds(keras3: dict) -> dict:
    """Keras 2's registry: Keras 3's, with Keras 2's declarations in place of its own and beside them."""
    return {**keras3, **registry(*KINDS)}

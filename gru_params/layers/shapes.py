"""Shape rules shared by the families: rank checks, known axes, convolution lengths.
Shapes include the batch axis as None, as Keras prints them: (None, 28, 75)."""

from __future__ import annotations

from ..errors import ArgumentError, fmt
from .base import Shape


def ndim(shape: Shape, ndim: int, what: str) -> None:
    if len(shape) != ndim:
        raise ArgumentError(f"expected a {ndim}D input {what}, got {fmt(shape)}")


def min_ndim(shape: Shape, ndim: int, what: str) -> None:
    if len(shape) < ndim:
        raise ArgumentError(f"expected an input of at least {ndim} dimensions {what}, got {fmt(shape)}")


def known(shape: Shape, axis: int, what: str) -> int:
    if not -len(shape) <= axis < len(shape):
        raise ArgumentError(f"axis {axis} is out of range for {fmt(shape)}")
    size = shape[axis]
    if size is None:
        raise ArgumentError(f"needs a known size for the {what} axis, got {fmt(shape)}")
    return size


def conv_length(size, kernel, stride, dilation, padding):
    """keras/src/ops/operation_utils.py compute_conv_output_shape, one axis."""
    if size is None:
        return None
    if padding == "valid":
        out = (size - dilation * (kernel - 1) - 1) // stride + 1
        if out <= 0:
            raise ArgumentError(
                f"the input length {size} is too short for kernel {kernel} (dilation {dilation}): "
                "the output would be empty"
            )
        return out
    return (size - 1) // stride + 1  # same, causal


def channels_first(cfg) -> bool:
    return cfg.get("data_format") == "channels_first"


def image(cfg, shape: Shape, rank: int, channels_known: bool = True) -> tuple[int | None, tuple]:
    """A (batch, *spatial, channels) input of `rank` spatial axes (channels second for
    channels_first): its channel count (which must be known where weights depend on it)
    and its spatial sizes."""
    ndim(shape, rank + 2, "(batch, steps, channels)" if rank == 1 else f"(batch, {rank} spatial axes, channels)")
    first = channels_first(cfg)
    axis = 1 if first else -1
    return known(shape, axis, "channels") if channels_known else shape[axis], tuple(shape[2:] if first else shape[1:-1])


def with_channels(cfg, shape: Shape, spatial: tuple, channels) -> Shape:
    """The output shape of an image layer: the batch axis, then spatial and channel axes in
    the layer's data format."""
    return (shape[0], channels, *spatial) if channels_first(cfg) else (shape[0], *spatial, channels)


def fits(given: Shape, wanted: Shape) -> bool:
    """Same rank, and the same size on every axis both know."""
    return len(given) == len(wanted) and all(a is None or b is None or a == b for a, b in zip(given, wanted))


def feature_axis(axis: int, shape: Shape) -> int:
    if not -len(shape) <= axis < len(shape) or axis % len(shape) == 0:
        raise ArgumentError(f"axis {axis} is not a feature axis of {fmt(shape)}")
    return axis % len(shape)


def several(shape, at_least: int, at_most: int | None = None) -> list:
    """The shapes a layer called on a list of tensors got, or an error naming how many it takes."""
    if not isinstance(shape, list):
        raise ArgumentError(f"is called on a list of tensors, got one tensor {fmt(shape)}; in a functional "
                            "model give it `inputs: [a, b]`")
    if len(shape) < at_least or (at_most is not None and len(shape) > at_most):
        wanted = at_least if at_most == at_least else f"{at_least} to {at_most}" if at_most else f"at least {at_least}"
        raise ArgumentError(f"is called on {wanted} tensors, got {len(shape)}: {fmt(shape)}")
    return shape

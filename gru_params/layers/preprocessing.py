"""keras/src/layers/preprocessing/: Normalization (its adapt() weights), Rescaling, and the image layers of image_preprocessing/
(augmentations, crops, resizing). None has weights; every augmentation keeps its input's
shape, and CenterCrop, RandomCrop and Resizing set its height and width. Arguments that
change neither (factors, value ranges, fill modes) are taken as given."""

from __future__ import annotations

from ..errors import ArgumentError, boolean, fmt, positive_int
from .base import DATA_FORMAT, REQUIRED, Built, Kind, W, identity, layer_args
from .checks import anything, axis_arg, number, one_of, optional_int, optional_positive_int, text
from .shapes import channels_first, known, ndim

_IMAGE = "(batch, height, width, channels)"


def _image_identity(cfg, shape, nested):
    """base_image_preprocessing_layer.py: a batch of images in, the same shape out."""
    ndim(shape, 4, _IMAGE)
    return Built(shape)


def _sized(cfg, shape, nested):
    """center_crop.py, random_crop.py, resizing.py compute_output_shape: the height and width
    axes (after the batch axis; after the channels for channels_first) become the layer's."""
    ndim(shape, 4, _IMAGE)
    out = list(shape)
    at = 2 if channels_first(cfg) else 1
    out[at:at + 2] = cfg["height"], cfg["width"]
    return Built(tuple(out))


class _Checked(tuple):
    """(check, default) of an argument whose value matters, among the plain defaults."""


def _image_layer(class_name: str, build=_image_identity, **own) -> Kind:
    """An image layer: its own arguments, each a default taken as any value (the shape does
    not depend on it) or a _Checked (check, default)."""
    return Kind(class_name, layer_args(**{k: tuple(v) if isinstance(v, _Checked) else (anything, v)
                                          for k, v in own.items()}), build)


_RANGE = (0, 255)  # value_range, as Keras writes its default
_SEED = _Checked((optional_int, None))
_FORMAT = _Checked(DATA_FORMAT)
_FACTOR = _Checked((anything, REQUIRED))
_SIZE = dict(height=_Checked((positive_int, REQUIRED)), width=_Checked((positive_int, REQUIRED)))

def _normalization_build(cfg, shape, nested):
    """normalization.py build: without a given mean and variance, three weights that adapt()
    fills, none trainable: mean and variance over the kept axes, and a count."""
    if (cfg["mean"] is None) != (cfg["variance"] is None):
        raise ArgumentError("give both `mean` and `variance`, or neither (adapt() computes them)")
    axes = () if cfg["axis"] is None else cfg["axis"] if isinstance(cfg["axis"], tuple) else (cfg["axis"],)
    if any(not -len(shape) <= a < len(shape) for a in axes):
        raise ArgumentError(f"`axis` {list(axes)} names an axis {fmt(shape)} does not have")
    kept = tuple(known(shape, a, f"kept axis {a}") for a in sorted(a % len(shape) for a in axes))
    if cfg["mean"] is not None:
        return Built(shape)
    return Built(shape, (W("mean", kept, False), W("variance", kept, False), W("count", (), False, 8)))  # an int64


def _category_encoding_build(cfg, shape, nested):
    """category_encoding.py compute_output_shape: the last axis becomes num_tokens; in
    one_hot mode it is added instead, unless it is 1 (and not the only axis)."""
    n = cfg["num_tokens"]
    if n is None:
        raise ArgumentError("needs `num_tokens`")
    if cfg["output_mode"] == "one_hot" and (shape[-1] != 1 or len(shape) == 1):
        return Built((*shape, n))
    return Built((*shape[:-1], n))


def _hashing_build(cfg, shape, nested):
    """hashing.py compute_output_spec: int mode keeps the shape; the others encode the last
    axis into num_bins."""
    return Built(shape if cfg["output_mode"] == "int" else (*shape[:-1], cfg["num_bins"]))


def _discretization_build(cfg, shape, nested):
    """discretization.py compute_output_shape, as Keras writes it: one_hot replaces a last
    axis of 1 by the bins (else adds them); multi_hot and count drop the second axis."""
    boundaries, bins = cfg["bin_boundaries"], cfg["num_bins"]
    if (boundaries is None) == (bins is None):
        raise ArgumentError("give `bin_boundaries` or `num_bins`, one of them")
    depth = len(boundaries) + 1 if boundaries is not None else bins
    mode = cfg["output_mode"]
    if mode == "int":
        return Built(shape)
    if mode == "one_hot":
        return Built((*shape[:-1], depth) if shape[-1] == 1 and len(shape) > 1 else (*shape, depth))
    return Built((shape[0], *shape[2:], depth) if len(shape) >= 2 else (depth,))


def _number_list(key, value):
    if value is None:
        return None
    if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value):
        raise ArgumentError(f"expected a list of numbers for `{key}`, got {value}")
    return tuple(value)


def _optional_axes(key, value):
    """An axis, a list of them, or null (none kept), which Keras saves as []."""
    return None if value is None or value == [] else axis_arg(key, value)


_ENCODINGS = ("int", "one_hot", "multi_hot", "count")

KINDS = (
    Kind("CategoryEncoding", layer_args(num_tokens=(optional_positive_int, None),
                                        output_mode=(one_of("multi_hot", "one_hot", "count"), "multi_hot"),
                                        sparse=(boolean, False)), _category_encoding_build),
    Kind("Hashing", layer_args(num_bins=(positive_int, REQUIRED), mask_value=(anything, None), salt=(anything, None),
                               output_mode=(one_of(*_ENCODINGS), "int"), sparse=(boolean, False)), _hashing_build),
    # Discretization takes no **kwargs: these only
    Kind("Discretization", dict(bin_boundaries=(_number_list, None), num_bins=(optional_positive_int, None),
                                epsilon=(number, 0.01), output_mode=(one_of(*_ENCODINGS), "int"),
                                sparse=(boolean, False), dtype=(anything, None), name=(text, None)),
         _discretization_build),
    Kind("Normalization", layer_args(axis=(_optional_axes, -1), mean=(anything, None), variance=(anything, None),
                                     invert=(boolean, False)), _normalization_build),
    Kind("Rescaling", layer_args(scale=(number, REQUIRED), offset=(number, 0.0)), identity),
    _image_layer("AugMix", value_range=_RANGE, num_chains=3, chain_depth=3, factor=0.3, alpha=1.0, all_ops=True,
                 interpolation="bilinear", seed=_SEED, data_format=_FORMAT),
    # AutoContrast, RandomBrightness, RandomContrast and Solarization take data_format through
    # **kwargs (base_image_preprocessing_layer.py), and their configs hold it
    _image_layer("AutoContrast", value_range=_RANGE, data_format=_FORMAT),
    _image_layer("CenterCrop", _sized, **_SIZE, data_format=_FORMAT),
    _image_layer("ContrastLimitedAdaptiveHistogramEqualization", value_range=_RANGE, clip_limit=4.0,
                 tile_grid_size=(8, 8), data_format=_FORMAT),
    _image_layer("CutMix", factor=1.0, seed=_SEED, data_format=_FORMAT),
    _image_layer("MixUp", alpha=0.2, data_format=_FORMAT, seed=_SEED),
    _image_layer("RandAugment", value_range=_RANGE, num_ops=2, factor=0.5, interpolation="bilinear", seed=_SEED,
                 data_format=_FORMAT),
    _image_layer("RandomBrightness", factor=_FACTOR, value_range=_RANGE, seed=_SEED, data_format=_FORMAT),
    _image_layer("RandomColorDegeneration", factor=_FACTOR, value_range=_RANGE, data_format=_FORMAT,
                 seed=_SEED),
    _image_layer("RandomColorJitter", value_range=_RANGE, brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=_SEED, data_format=_FORMAT),
    _image_layer("RandomContrast", factor=_FACTOR, value_range=_RANGE, seed=_SEED, data_format=_FORMAT),
    _image_layer("RandomCrop", _sized, **_SIZE, seed=_SEED, data_format=_FORMAT),
    _image_layer("RandomElasticTransform", factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, value_range=_RANGE, seed=_SEED, data_format=_FORMAT),
    _image_layer("RandomErasing", factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=_RANGE, seed=_SEED,
                 data_format=_FORMAT),
    _image_layer("RandomFlip", mode="horizontal_and_vertical", seed=_SEED, data_format=_FORMAT),
    _image_layer("RandomGaussianBlur", factor=1.0, kernel_size=3, sigma=1.0, value_range=_RANGE,
                 data_format=_FORMAT, seed=_SEED),
    _image_layer("RandomGrayscale", factor=0.5, data_format=_FORMAT, seed=_SEED),
    _image_layer("RandomHue", factor=_FACTOR, value_range=_RANGE, data_format=_FORMAT, seed=_SEED),
    _image_layer("RandomInvert", factor=1.0, value_range=_RANGE, seed=_SEED, data_format=_FORMAT),
    _image_layer("RandomPerspective", factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0, seed=_SEED,
                 data_format=_FORMAT),
    _image_layer("RandomPosterization", factor=_FACTOR, value_range=_RANGE, data_format=_FORMAT,
                 seed=_SEED),
    _image_layer("RandomRotation", factor=_FACTOR, fill_mode="reflect", interpolation="bilinear",
                 seed=_SEED, fill_value=0.0, data_format=_FORMAT),
    _image_layer("RandomSaturation", factor=_FACTOR, value_range=_RANGE, data_format=_FORMAT,
                 seed=_SEED),
    _image_layer("RandomSharpness", factor=_FACTOR, value_range=_RANGE, data_format=_FORMAT,
                 seed=_SEED),
    _image_layer("RandomShear", x_factor=0.0, y_factor=0.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, data_format=_FORMAT, seed=_SEED),
    _image_layer("RandomTranslation", height_factor=_FACTOR, width_factor=_FACTOR,
                 fill_mode="reflect", interpolation="bilinear", seed=_SEED, fill_value=0.0, data_format=_FORMAT),
    _image_layer("RandomZoom", height_factor=_FACTOR, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=_SEED, fill_value=0.0, data_format=_FORMAT),
    _image_layer("Resizing", _sized, **_SIZE, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, antialias=False,
                 data_format=_FORMAT),
    _image_layer("Solarization", addition_factor=0.0, threshold_factor=0.0, value_range=_RANGE, seed=_SEED,
                 data_format=_FORMAT),
)

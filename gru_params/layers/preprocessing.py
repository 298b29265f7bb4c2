"""keras/src/layers/preprocessing/: Normalization (its adapt() weights), Rescaling, and the image layers of image_preprocessing/
(augmentations, crops, resizing). None has weights; every augmentation keeps its input's
shape, and CenterCrop, RandomCrop and Resizing set its height and width. Arguments that
change neither (factors, value ranges, fill modes) are taken as given."""

from __future__ import annotations

from ..errors import ArgumentError, boolean, fmt, non_negative_int, positive_int, shown
from . import costs
from .base import DATA_FORMAT, REQUIRED, Built, Kind, W, identity, layer_args, no_products
from .checks import anything, axis_arg, number, one_of, optional_int, optional_positive_int, text
from .models import sequential_build
from .shapes import channels_first, conv_length, known, ndim, several

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


def _vocabulary(key, value):
    """A list of tokens, a file's path, or null (adapt() fills it)."""
    if value is None or isinstance(value, (str, list)):
        return value
    raise ArgumentError(f"expected a list of tokens, a file name or null for `{key}`, got {shown(value)}")


def _optional_axes(key, value):
    """An axis, a list of them, or null (none kept), which Keras saves as []."""
    return None if value is None or value == [] else axis_arg(key, value)


_ENCODINGS = ("int", "one_hot", "multi_hot", "count")
# index_lookup.py and text_vectorization.py take "binary" and "tf-idf" as other names
_LOOKUP_MODES = one_of("int", "one_hot", "multi_hot", "count", "tf_idf", "binary", "tf-idf")


def _encoded(shape: tuple, mode: str, depth) -> tuple:
    """index_lookup.py compute_output_shape: int keeps the shape; one_hot adds the depth
    (replacing a last axis of 1, when it is not the only one); the others replace the last axis."""
    if mode == "int":
        return shape
    if mode == "one_hot":
        return (*shape[:-1], depth) if len(shape) > 1 and shape[-1] == 1 else (*shape, depth)
    return (*shape[:-1], depth)


def _vocabulary_size(cfg, mode: str, mask_token, oov_token):
    """index_lookup.py set_vocabulary and vocabulary_size: the tokens, after the mask token (in
    int mode) and the OOV indices; the special tokens may open the list. A file's size is not in
    the config: saved configs carry vocabulary_size, what adapt() found too."""
    vocabulary, given = cfg["vocabulary"], cfg["vocabulary_size"]
    oov_start = 1 if mask_token is not None and mode == "int" else 0
    start = oov_start + cfg["num_oov_indices"]
    if isinstance(vocabulary, list):
        specials = [mask_token] * oov_start + [oov_token] * cfg["num_oov_indices"]
        tokens = vocabulary[start:] if vocabulary[:start] == specials else vocabulary
        if len(set(map(repr, tokens))) != len(tokens):
            raise ArgumentError("`vocabulary` repeats a token")
        if mask_token is not None and mask_token in tokens:
            raise ArgumentError(f"`vocabulary` holds the mask token {mask_token!r} past its start")
        size = start + len(tokens)
        if cfg["max_tokens"] is not None and size > cfg["max_tokens"]:
            raise ArgumentError(f"the vocabulary has {size} entries with its special tokens, more than "
                                f"`max_tokens` ({cfg['max_tokens']})")
        if given is not None and given != size:
            raise ArgumentError(f"`vocabulary_size` {given} disagrees with the {size} entries of `vocabulary`")
        return size
    if isinstance(vocabulary, str) and given is None and mode != "int" and not cfg["pad_to_max_tokens"]:
        raise ArgumentError("`vocabulary` is a file, whose size is not in the config: give `vocabulary_size`")
    return given


def _depth(cfg, mode: str, mask_token, oov_token):
    """The encoded axis: max_tokens when padded to it, else the vocabulary's size (None, as in
    Keras, while adapt() has not run)."""
    size = _vocabulary_size(cfg, mode, mask_token, oov_token)
    if cfg["pad_to_max_tokens"]:
        if cfg["max_tokens"] is None:
            raise ArgumentError("`pad_to_max_tokens` needs `max_tokens`")
        return cfg["max_tokens"]
    return size


def _mode(cfg) -> str:
    mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(cfg["output_mode"], cfg["output_mode"])
    if cfg.get("invert") and mode != "int":
        raise ArgumentError("`invert` needs `output_mode: int`")
    if cfg["max_tokens"] is not None and cfg["max_tokens"] <= 1:
        raise ArgumentError(f"`max_tokens` must be more than 1, got {cfg['max_tokens']}")
    return mode


def _lookup_build(cfg, shape, nested):
    """string_lookup.py, integer_lookup.py (index_lookup.py): no weights; the output encodes
    the input by the vocabulary."""
    mode = _mode(cfg)
    return Built(_encoded(shape, mode, _depth(cfg, mode, cfg["mask_token"], cfg["oov_token"])))


def _text_vectorization_build(cfg, shape, nested):
    """text_vectorization.py compute_output_shape: int mode gives (batch, output_sequence_length);
    the others split each string into a new axis (or, unsplit, make a lone batch axis (batch,
    1)) and encode it, as its StringLookup (mask token "", one OOV index "[UNK]")."""
    mode = _mode(cfg)
    if mode != "int" and cfg["output_sequence_length"] is not None:
        raise ArgumentError("`output_sequence_length` is for `output_mode: int` only")
    depth = _depth({**cfg, "num_oov_indices": 1}, mode, "", "[UNK]")
    if mode == "int":
        return Built((shape[0], cfg["output_sequence_length"]))
    split = (*shape, None) if cfg["split"] is not None else shape if len(shape) > 1 else (*shape, 1)
    return Built(_encoded(split, mode, depth))


def _hashed_crossing_build(cfg, shape, nested):
    """hashed_crossing.py compute_output_shape: two tensors of one last size; int mode keeps
    the first's shape, one_hot adds the bins (replacing a last axis of 1)."""
    first, second = several(shape, 2, 2)
    if first[-1] != second[-1]:
        raise ArgumentError(f"the two inputs must end in the same size, got {fmt(first)} and {fmt(second)}")
    return Built(_encoded(first, cfg["output_mode"], cfg["num_bins"]))


def _mel_spectrogram_build(cfg, shape, nested):
    """mel_spectrogram.py compute_output_shape: (batch, samples) becomes (batch, num_mel_bins,
    frames), a frame each sequence_stride samples, padded at both ends."""
    ndim(shape, 2, "(batch, samples)")
    window = cfg["sequence_length"] or cfg["fft_length"]
    if window > cfg["fft_length"]:
        raise ArgumentError(f"`sequence_length` ({window}) must not exceed `fft_length` ({cfg['fft_length']})")
    stride, n = cfg["sequence_stride"], shape[1]
    return Built((shape[0], cfg["num_mel_bins"], None if n is None else (n + stride + 1) // stride))


def _stft_build(cfg, shape, nested):
    """stft_spectrogram.py: a real and an imaginary kernel (frame_length, 1, fft_length // 2 + 1)
    (mode real has no imaginary one, mode imag no real one), fixed by their initializer but
    trainable as Keras counts them; a frame each frame_step samples, its frequencies (twice in
    mode stft) times the channels as features, or their own axis with expand_dims."""
    ndim(shape, 3, "(batch, samples, channels)")
    length, step, fft = cfg["frame_length"], cfg["frame_step"], cfg["fft_length"]
    if step is not None and not 1 <= step <= length:
        raise ArgumentError(f"`frame_step` must be from 1 to `frame_length` ({length}), got {step}")
    if fft is not None and fft < length:
        raise ArgumentError(f"`fft_length` ({fft}) must be at least `frame_length` ({length})")
    fft = fft or 1 << (length - 1).bit_length()  # the next power of two
    bins = fft // 2 + 1
    kernels = tuple(W(f"{part}_kernel", (length, 1, bins)) for part in ("real", "imag")
                    if cfg["mode"] != {"real": "imag", "imag": "real"}[part])
    first = channels_first(cfg)
    channels, samples = (shape[1], shape[2]) if first else (shape[2], shape[1])
    frames = conv_length(samples, length, step or length // 2, 1, cfg["padding"])
    freq = bins * (2 if cfg["mode"] == "stft" else 1)
    if cfg["expand_dims"]:
        out = (shape[0], channels, frames, freq) if first else (shape[0], frames, freq, channels)
    else:
        features = None if channels is None else freq * channels
        out = (shape[0], features, frames) if first else (shape[0], frames, features)
    return Built(out, kernels)


def _max_boxes_build(cfg, shape, nested):
    """max_num_bounding_box.py: images pass unchanged (only the boxes beside them are padded)."""
    return _image_identity(cfg, shape, nested)


_LOOKUP = dict(max_tokens=(optional_int, None), num_oov_indices=(non_negative_int, 1), vocabulary=(_vocabulary, None),
               vocabulary_size=(optional_int, None), idf_weights=(anything, None), invert=(boolean, False),
               output_mode=(_LOOKUP_MODES, "int"), sparse=(boolean, False), pad_to_max_tokens=(boolean, False),
               has_input_vocabulary=(anything, None), salt=(anything, None),
               oov_method=(one_of("floormod", "farmhash"), "floormod"))

KINDS = no_products(
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
    # StringLookup and IntegerLookup take no **kwargs beyond these (index_lookup.py pops
    # vocabulary_size and has_input_vocabulary, which get_config writes, and trainable, dtype)
    Kind("StringLookup", dict(**_LOOKUP, mask_token=(anything, None), oov_token=(anything, "[UNK]"),
                              encoding=(anything, "utf-8"), name=(text, None), trainable=(boolean, True),
                              dtype=(anything, None)), _lookup_build),
    Kind("IntegerLookup", dict(**_LOOKUP, mask_token=(anything, None), oov_token=(anything, -1),
                               vocabulary_dtype=(anything, "int64"), name=(text, None), trainable=(boolean, True),
                               dtype=(anything, None)), _lookup_build),
    Kind("TextVectorization", layer_args(
        max_tokens=(optional_int, None), standardize=(anything, "lower_and_strip_punctuation"),
        split=(anything, "whitespace"), ngrams=(anything, None), output_mode=(_LOOKUP_MODES, "int"),
        output_sequence_length=(optional_positive_int, None), pad_to_max_tokens=(boolean, False),
        vocabulary=(_vocabulary, None), idf_weights=(anything, None), sparse=(boolean, False), ragged=(boolean, False),
        encoding=(anything, "utf-8"), vocabulary_size=(optional_int, None), has_input_vocabulary=(anything, None)),
         _text_vectorization_build),
    # HashedCrossing takes **kwargs and drops them
    Kind("HashedCrossing", layer_args(num_bins=(positive_int, REQUIRED), output_mode=(one_of("int", "one_hot"), "int"),
                                      sparse=(boolean, False)), _hashed_crossing_build, many_inputs=True),
    Kind("MelSpectrogram", layer_args(
        fft_length=(positive_int, 2048), sequence_stride=(positive_int, 512), sequence_length=(optional_positive_int, None),
        window=(anything, "hann"), sampling_rate=(positive_int, 16000), num_mel_bins=(positive_int, 128),
        min_freq=(number, 20.0), max_freq=(anything, None), power_to_db=(boolean, True), top_db=(anything, 80.0),
        mag_exp=(number, 2.0), min_power=(number, 1e-10), ref_power=(number, 1.0)), _mel_spectrogram_build, macs=costs.unknown, kept=costs.unknown),  # an FFT, not a product
    Kind("STFTSpectrogram", layer_args(
        mode=(one_of("log", "magnitude", "psd", "real", "imag", "angle", "stft"), "log"),
        frame_length=(positive_int, 256), frame_step=(optional_positive_int, None),
        fft_length=(optional_positive_int, None), window=(anything, "hann"), periodic=(boolean, False),
        scaling=(one_of("density", "spectrum", None), "density"), padding=(one_of("valid", "same"), "valid"),
        expand_dims=(boolean, False), data_format=DATA_FORMAT), _stft_build, macs=costs.unknown, kept=costs.unknown),
    # Pipeline(layers, name): its layers one after another, as in a Sequential model; no other argument
    Kind("Pipeline", dict(layers=(anything, REQUIRED), name=(text, None)), sequential_build, ("layers",), macs=costs.children,
         kept=costs.keeps_children),
    Kind("Rescaling", layer_args(scale=(number, REQUIRED), offset=(number, 0.0)), identity),
    _image_layer("AugMix", value_range=_RANGE, num_chains=3, chain_depth=3, factor=0.3, alpha=1.0, all_ops=True,
                 interpolation="bilinear", seed=_SEED, data_format=_FORMAT),
    # AutoContrast, RandomBrightness, RandomContrast and Solarization take data_format through
    # **kwargs (base_image_preprocessing_layer.py), and their configs hold it
    _image_layer("AutoContrast", value_range=_RANGE, data_format=_FORMAT),
    _image_layer("Equalization", value_range=_RANGE, bins=256, data_format=_FORMAT),
    _image_layer("MaxNumBoundingBoxes", _max_boxes_build, max_number=_Checked((positive_int, REQUIRED)), fill_value=-1,
                 data_format=_FORMAT),
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
    kept=costs.keeps_nothing,
)

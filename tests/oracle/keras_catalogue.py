"""The keras.layers catalogue: each class the engine supports, built in real Keras with
random valid arguments, on its own after an Input, frozen, and inside TimeDistributed where
Keras allows it. Shared by make_golden.py (tests/golden/keras_catalogue.json) and the live
tests. A draw that Keras rejects is drawn again: this file holds argument ranges, not shape
rules."""

from __future__ import annotations

import random

from tests.oracle import keras_functional, keras_models


def _pick(rng, *options):
    return rng.choice(options)


def _size(rng, rank: int, low: int = 1, high: int = 3, scalar: bool = True):
    """A size for each of `rank` axes: one int (for all) or a list."""
    if scalar and rng.random() < 0.5:
        return rng.randint(low, high)
    return [rng.randint(low, high) for _ in range(rank)]


def _image(rng, rank: int) -> list:
    """An input of `rank` spatial axes and some channels (channels last)."""
    return [rng.choice([None, 5, 8, 12, 16]) if rng.random() < 0.15 else rng.choice([5, 8, 12, 16])
            for _ in range(rank)] + [rng.choice([1, 2, 3, 4, 6, 8])]


def _data_format(rng, args: dict, shape: list) -> list:
    """Sometimes channels_first: the channel axis moved to the front of the input."""
    if rng.random() < 0.2:
        args["data_format"] = "channels_first"
        return [shape[-1], *shape[:-1]]
    return shape


def _window(rng, rank: int, args: dict, causal: bool = False) -> None:
    args["kernel_size"] = _size(rng, rank, 1, 3)
    if rng.random() < 0.3:
        args["strides"] = _size(rng, rank, 1, 2)
    elif rng.random() < 0.3:
        args["dilation_rate"] = _size(rng, rank, 1, 2)
    if rng.random() < 0.5:
        args["padding"] = rng.choice(["valid", "same"] + ["causal"] * causal)
    if rng.random() < 0.2:
        args["use_bias"] = False
    if rng.random() < 0.2:
        args["activation"] = rng.choice(["relu", "tanh"])


def _conv(rank: int):
    def draw(rng):
        args = {"filters": rng.choice([1, 2, 4, 8, 12])}
        _window(rng, rank, args, causal=rank == 1)
        if rng.random() < 0.2:
            args["groups"] = rng.choice([2, 4])
        return _data_format(rng, args, _image(rng, rank)), args

    return draw


def _transpose(rank: int):
    def draw(rng):
        args = {"filters": rng.choice([1, 2, 4, 8])}
        _window(rng, rank, args)
        if rng.random() < 0.3:
            strides = args.get("strides", 1)
            top = min(strides) if isinstance(strides, list) else strides
            args["output_padding"] = rng.randint(0, max(0, top - 1))
        return _data_format(rng, args, _image(rng, rank)), args

    return draw


def _depthwise(rank: int):
    def draw(rng):
        args = {}
        _window(rng, rank, args)
        if rng.random() < 0.5:
            args["depth_multiplier"] = rng.choice([1, 2, 3])
        return _data_format(rng, args, _image(rng, rank)), args

    return draw


def _separable(rank: int):
    def draw(rng):
        shape, args = _depthwise(rank)(rng)
        return shape, {"filters": rng.choice([1, 2, 4, 8]), **args}

    return draw


def _pooling(rank: int, required: bool):
    def draw(rng):
        args = {}
        if required or rng.random() < 0.7:
            args["pool_size"] = _size(rng, rank, 1, 3)
        if rng.random() < 0.3:
            args["strides"] = _size(rng, rank, 1, 3)
        if rng.random() < 0.5:
            args["padding"] = rng.choice(["valid", "same"])
        return _data_format(rng, args, _image(rng, rank)), args

    return draw


def _global(rank: int):
    def draw(rng):
        args = {"keepdims": True} if rng.random() < 0.3 else {}
        return _data_format(rng, args, _image(rng, rank)), args

    return draw


def _adaptive(rank: int):
    def draw(rng):
        args = {"output_size": _size(rng, rank, 1, 4)}
        return _data_format(rng, args, _image(rng, rank)), args

    return draw


def _crop_or_pad(rank: int, key: str, low: int, high: int, data_format: bool = True):
    def draw(rng):
        shape = _image(rng, rank)
        pick = rng.random()
        if pick < 0.3:
            value = rng.randint(low, high)
        elif pick < 0.6 or rank == 1:
            value = [rng.randint(low, high) for _ in range(2 if rank == 1 else rank)]
        else:
            value = [[rng.randint(low, high), rng.randint(low, high)] for _ in range(rank)]
        args = {key: value}
        return (_data_format(rng, args, shape) if data_format else shape), args

    return draw


def _up_sampling(rank: int):
    def draw(rng):
        args = {"size": rng.randint(1, 3) if rank == 1 else _size(rng, rank, 1, 3)}
        if rank == 2 and rng.random() < 0.3:
            args["interpolation"] = rng.choice(["nearest", "bilinear"])
        return (_data_format(rng, args, _image(rng, rank)) if rank > 1 else _image(rng, rank)), args

    return draw


def _spatial_dropout(rank: int):
    def draw(rng):
        args = {"rate": rng.choice([0.1, 0.5])}
        return _data_format(rng, args, _image(rng, rank)), args

    return draw


def _no_weights(rank_choices, make_args):
    def draw(rng):
        return _image(rng, rng.choice(rank_choices)), make_args(rng)

    return draw


def _prelu(rng):
    shape = _image(rng, rng.choice([1, 2]))
    shape = [d or 4 for d in shape]  # alpha is as large as the input: every axis known
    args = {}
    if rng.random() < 0.6:
        axes = sorted(rng.sample(range(1, len(shape) + 1), rng.randint(1, len(shape))))
        args["shared_axes"] = axes if len(axes) > 1 or rng.random() < 0.5 else axes[0]
    return shape, args


def _group_norm(rng):
    shape = [rng.choice([3, 5]), rng.choice([4, 8, 12])]
    args = {"groups": rng.choice([-1, 1, 2, 4])}
    if rng.random() < 0.3:
        args[rng.choice(["center", "scale"])] = False
    return shape, args


def _rms_norm(rng):
    shape = [rng.choice([3, 5]), rng.choice([4, 8]), rng.choice([2, 6])]
    return shape, {"axis": rng.choice([-1, 2, [1, 2], [-1, 1]])} if rng.random() < 0.6 else {}


def _picture(rng) -> list:
    return [rng.choice([8, 12, 16]), rng.choice([8, 10, 16]), rng.choice([1, 3])]


def _augmentation(required: dict):
    """An image layer with its required arguments, and sometimes channels_first (where it
    has a data_format: `"data_format": None` marks those without)."""

    def draw(rng):
        args = {k: rng.choice(v) for k, v in required.items() if k != "data_format"}
        return _data_format(rng, args, _picture(rng)) if "data_format" not in required else _picture(rng), args

    return draw


def _sized(rng):
    args = {"height": rng.choice([2, 4, 8]), "width": rng.choice([2, 4, 6])}
    return _data_format(rng, args, _picture(rng)), args


AUGMENTATIONS = {
    "AugMix": {}, "AutoContrast": {"data_format": None}, "ContrastLimitedAdaptiveHistogramEqualization": {},
    "CutMix": {}, "MixUp": {}, "RandAugment": {},
    "RandomBrightness": {"factor": [0.2, [-0.1, 0.3]], "data_format": None},
    "RandomColorDegeneration": {"factor": [0.5]}, "RandomColorJitter": {},
    "RandomContrast": {"factor": [0.2], "data_format": None}, "RandomElasticTransform": {}, "RandomErasing": {},
    "RandomFlip": {"mode": ["horizontal", "vertical", "horizontal_and_vertical"]}, "RandomGaussianBlur": {},
    "RandomGrayscale": {}, "RandomHue": {"factor": [0.2]}, "RandomInvert": {}, "RandomPerspective": {},
    "RandomPosterization": {"factor": [[1, 4]]}, "RandomRotation": {"factor": [0.1, 0.5]},
    "RandomSaturation": {"factor": [0.5]}, "RandomSharpness": {"factor": [0.5]}, "RandomShear": {},
    "RandomTranslation": {"height_factor": [0.1], "width_factor": [0.2]}, "RandomZoom": {"height_factor": [0.1]},
    "Solarization": {"data_format": None},
}

def _encoding(rng):
    shape = rng.choice([[3], [4, 1], [2, 3], [1]])
    return shape, {"num_tokens": rng.choice([5, 10]), "output_mode": rng.choice(["multi_hot", "one_hot", "count"])}


def _hashing(rng):
    shape = rng.choice([[3], [4, 1], [2, 3]])
    return shape, {"num_bins": rng.choice([3, 8]), "output_mode": rng.choice(["int", "one_hot", "multi_hot", "count"])}


def _discretization(rng):
    shape = rng.choice([[3], [4, 1], [2, 3], [2, 3, 4]])
    args = {"bin_boundaries": [0.0, 1.0, 2.5]} if rng.random() < 0.5 else {"num_bins": rng.choice([2, 5])}
    args["output_mode"] = rng.choice(["int", "one_hot", "multi_hot", "count"])
    return shape, args


def _normalization(rng):
    shape = [rng.choice([3, 5]), rng.choice([2, 4])]
    args = {}
    if rng.random() < 0.7:
        args["axis"] = rng.choice([-1, 1, [1, 2], None])
    if rng.random() < 0.3:
        args.update(mean=0.5, variance=2.0)
    if rng.random() < 0.2:
        args["invert"] = True
    return shape, args


def _reversible_embedding(rng):
    args = {"input_dim": rng.choice([10, 100]), "output_dim": rng.choice([2, 8])}
    if rng.random() < 0.5:
        args["tie_weights"] = False
    elif rng.random() < 0.3:
        args["lora_rank"] = 2
    return [rng.choice([5, 12])], args


def _sequence(rng, features) -> list:
    return [rng.choice([None, 3, 7]), features]


def _mha(rng):
    """Query and value (and sometimes a key) of their own sizes: a dict of inputs makes the
    case a functional model that calls the layer on them."""
    inputs = {"query": _sequence(rng, rng.choice([4, 8])), "value": _sequence(rng, rng.choice([3, 6]))}
    if rng.random() < 0.3:
        inputs["key"] = [inputs["value"][0], rng.choice([2, 5])]
    args = {"num_heads": rng.choice([1, 2, 3]), "key_dim": rng.choice([2, 4])}
    for key, values in (("value_dim", [3, 5]), ("use_bias", [False]), ("output_shape", [4, [2, 3]]),
                        ("use_gate", [True])):
        if rng.random() < 0.25:
            args[key] = rng.choice(values)
    return inputs, args


def _gqa(rng):
    features = rng.choice([4, 8])
    inputs = {"query": _sequence(rng, features), "value": _sequence(rng, features)}
    if rng.random() < 0.3:
        inputs["key"] = [inputs["value"][0], rng.choice([2, 5])]
    kv = rng.choice([1, 2])
    args = {"head_dim": rng.choice([2, 3]), "num_query_heads": kv * rng.choice([1, 2, 3]), "num_key_value_heads": kv}
    for key, values in (("use_bias", [False]), ("use_gate", [True])):
        if rng.random() < 0.25:
            args[key] = rng.choice(values)
    return inputs, args


def _einsum_dense(rng):
    """One of Keras's equation forms: plain, "..." on the left, "..." on the right."""
    t, d, units = rng.choice([3, 5]), rng.choice([2, 4]), rng.choice([2, 6])
    forms = [
        ("ab,bc->ac", [d], [units], ["c"]),
        ("abc,cd->abd", [t, d], [rng.choice([None, t]), units], ["d", "bd"]),
        ("abc,cde->abde", [t, d], [rng.choice([None, t]), 2, units], ["de", "e", "bde"]),
        ("...b,bc->...c", rng.choice([[d], [t, d], [2, t, d]]), [units], ["c"]),
        ("ab...,bc->ac...", rng.choice([[d, t], [d]]), [units], ["c"]),
        ("abcd,cde->abe", [t, d, 2], [rng.choice([None, t]), units], ["e"]),
    ]
    equation, shape, output_shape, bias = rng.choice(forms)
    args = {"equation": equation, "output_shape": output_shape[0] if len(output_shape) == 1 and rng.random() < 0.5
            else output_shape}
    if rng.random() < 0.7:
        args["bias_axes"] = rng.choice(bias)
    if rng.random() < 0.2:
        args["lora_rank"] = rng.choice([1, 2])
    return shape, args


def _lookup(tokens: list, oov):
    """StringLookup or IntegerLookup over `tokens`: a vocabulary (sometimes opening with its
    special tokens), or padded to max_tokens, in every output mode."""

    def draw(rng):
        shape = rng.choice([[3], [4, 1], [2, 3], [1]])
        mode = rng.choice(["int", "one_hot", "multi_hot", "count", "tf_idf"])
        args = {"output_mode": mode}
        vocabulary = rng.sample(tokens, rng.randint(1, len(tokens)))
        if rng.random() < 0.3:
            args["num_oov_indices"] = rng.choice([0, 2])
        if rng.random() < 0.3:
            args["mask_token"] = tokens[-1] if oov == -1 else ""
            vocabulary = [t for t in vocabulary if t != args["mask_token"]] or [tokens[0]]
        if mode == "int" and rng.random() < 0.3:
            args["invert"] = True
        if rng.random() < 0.25:
            args.update(max_tokens=len(vocabulary) + 4, pad_to_max_tokens=mode != "int")
        if rng.random() < 0.8 or mode == "tf_idf":
            args["vocabulary"] = vocabulary
            if mode == "tf_idf":
                args["idf_weights"] = [1.0] * len(vocabulary)
        elif mode != "int":
            args.update(max_tokens=8, pad_to_max_tokens=True)
        return shape, args

    return draw


def _text_vectorization(rng):
    mode = rng.choice(["int", "int", "one_hot", "multi_hot", "count", "tf_idf"])
    args = {"output_mode": mode, "max_tokens": rng.choice([None, 20])}
    shape = rng.choice([[1], [], [2], [2, 3]])
    if mode == "int":
        if rng.random() < 0.6:
            args["output_sequence_length"] = rng.choice([4, 9])
    elif rng.random() < 0.5:
        args["split"] = None
    if rng.random() < 0.6 or mode == "tf_idf" or (mode != "int" and args["max_tokens"] is None):
        args["vocabulary"] = rng.sample(["the", "cat", "sat", "on", "mat"], rng.randint(1, 5))
        if mode == "tf_idf":
            args["idf_weights"] = [1.0] * len(args["vocabulary"])
    else:
        args["pad_to_max_tokens"] = True
    return shape, args


def _hashed_crossing(rng):
    size = rng.choice([1, 3])
    inputs = {"a": [size], "b": [size]} if rng.random() < 0.7 else {"a": [2, size], "b": [2, size]}
    return inputs, {"num_bins": rng.choice([4, 10]), "output_mode": rng.choice(["int", "one_hot"])}


def _mel_spectrogram(rng):
    fft = rng.choice([64, 128, 256])
    args = {"fft_length": fft, "sequence_stride": rng.choice([16, 32, 50]), "num_mel_bins": rng.choice([8, 20])}
    if rng.random() < 0.4:
        args["sequence_length"] = rng.choice([32, fft])
    return [rng.choice([None, 400, 1000])], args


def _stft(rng):
    length = rng.choice([8, 16, 20])
    args = {"frame_length": length, "mode": rng.choice(["log", "magnitude", "psd", "real", "imag", "angle", "stft"])}
    if rng.random() < 0.5:
        args["frame_step"] = rng.randint(1, length)
    if rng.random() < 0.4:
        args["fft_length"] = rng.choice([32, 64])
    if rng.random() < 0.4:
        args["padding"] = "same"
    if rng.random() < 0.3:
        args["expand_dims"] = True
    return _data_format(rng, args, [rng.choice([None, 64, 100]), rng.choice([1, 2])]), args


def _pipeline(rng):
    layers = rng.choice([
        [{"Dense": {"units": 3}}, {"Dense": {"units": 2, "use_bias": False}}],
        [{"RandomFlip": {}}, {"RandomRotation": {"factor": 0.1}}, {"Conv2D": {"filters": 2, "kernel_size": 3}}],
        [{"Rescaling": {"scale": 0.5}}],
    ])
    return ([8, 8, 3] if "RandomFlip" in layers[0] else [5, 4]), {"layers": layers}


def _lambda(rng):
    """A Lambda with its output_shape (Keras takes it as given, whatever the function returns)."""
    shape = [rng.choice([3, 5]), rng.choice([2, 4])]
    return shape, {"output_shape": rng.choice([shape, [shape[0] * shape[1]], [None, 7], [3]])}


def _spectral_norm(rng):
    if rng.random() < 0.5:
        return [rng.choice([3, 7])], {"layer": {"Dense": {"units": rng.choice([2, 5])}}}
    return [9, rng.choice([2, 3])], {"layer": {"Conv1D": {"filters": rng.choice([2, 4]), "kernel_size": 3}},
                                     "power_iterations": rng.choice([1, 2])}


D = {1: "1D", 2: "2D", 3: "3D"}
# class name -> draw(rng) -> (input shape without the batch axis, arguments)
DRAWS = {
    "Cropping1D": _crop_or_pad(1, "cropping", 0, 2, data_format=False),
    "Cropping2D": _crop_or_pad(2, "cropping", 0, 2),
    "Cropping3D": _crop_or_pad(3, "cropping", 0, 2),
    **{f"ZeroPadding{D[r]}": _crop_or_pad(r, "padding", 0, 3) for r in (1, 2, 3)},
    **{f"UpSampling{D[r]}": _up_sampling(r) for r in (1, 2, 3)},
    **{f"SpatialDropout{D[r]}": _spatial_dropout(r) for r in (2, 3)},
    "GaussianDropout": _no_weights([1, 2], lambda rng: {"rate": rng.choice([0.1, 0.5])}),
    "AlphaDropout": _no_weights([1, 2], lambda rng: {"rate": rng.choice([0.1, 0.5])}),
    "ActivityRegularization": _no_weights([1, 2], lambda rng: {"l1": 0.01, "l2": rng.choice([0.0, 0.1])}),
    "ReLU": _no_weights([1, 2], lambda rng: {"max_value": 6.0} if rng.random() < 0.5 else {"negative_slope": 0.1}),
    "LeakyReLU": _no_weights([1, 2], lambda rng: {"negative_slope": rng.choice([0.1, 0.3])}),
    "ELU": _no_weights([1, 2], lambda rng: {"alpha": rng.choice([0.5, 1.0])}),
    "Softmax": _no_weights([1, 2], lambda rng: {"axis": rng.choice([-1, 1])}),
    "PReLU": _prelu,
    "GroupNormalization": _group_norm,
    "RMSNormalization": _rms_norm,
    "UnitNormalization": _no_weights([1, 2], lambda rng: {"axis": rng.choice([-1, 1, [1, 2]])}),
    "Identity": _no_weights([1, 2, 3], lambda rng: {}),
    "ReversibleEmbedding": _reversible_embedding,
    "Normalization": _normalization,
    "CategoryEncoding": _encoding,
    "Hashing": _hashing,
    "Discretization": _discretization,
    "SpectralNormalization": _spectral_norm,
    "EinsumDense": _einsum_dense,
    "Lambda": _lambda,
    "StringLookup": _lookup(["a", "b", "c", "d", "e"], "[UNK]"),
    "IntegerLookup": _lookup([3, 5, 7, 11, 13], -1),
    "TextVectorization": _text_vectorization,
    "HashedCrossing": _hashed_crossing,
    "MelSpectrogram": _mel_spectrogram,
    "STFTSpectrogram": _stft,
    "Pipeline": _pipeline,
    "MaxNumBoundingBoxes": _no_weights([2], lambda rng: {"max_number": rng.choice([1, 5])}),
    "MultiHeadAttention": _mha,
    "GroupQueryAttention": _gqa,
    "Rescaling": _no_weights([1, 2], lambda rng: {"scale": rng.choice([1 / 255, 2.0]), "offset": rng.choice([0.0, -1.0])}),
    **{name: _augmentation(required) for name, required in AUGMENTATIONS.items()},
    **{name: _sized for name in ("CenterCrop", "RandomCrop", "Resizing")},
    **{f"MaxPooling{D[r]}": _pooling(r, False) for r in (1, 2, 3)},
    **{f"AveragePooling{D[r]}": _pooling(r, True) for r in (1, 2, 3)},
    **{f"Global{op}Pooling{D[r]}": _global(r) for op in ("Average", "Max") for r in (1, 2, 3)},
    **{f"Adaptive{op}Pooling{D[r]}": _adaptive(r) for op in ("Average", "Max") for r in (1, 2, 3)},
    **{f"Conv{r}D": _conv(r) for r in (1, 2, 3)},
    **{f"Conv{r}DTranspose": _transpose(r) for r in (1, 2, 3)},
    **{f"DepthwiseConv{r}D": _depthwise(r) for r in (1, 2)},
    **{f"SeparableConv{r}D": _separable(r) for r in (1, 2)},
}
def _equalization(rng):
    shape = [rng.choice([4, 8]), rng.choice([4, 6]), rng.choice([1, 3])]
    args = {"bins": rng.choice([16, 256])} if rng.random() < 0.5 else {}
    if rng.random() < 0.3:
        args["data_format"] = "channels_first"
        shape = [shape[-1], *shape[:-1]]
    return shape, args


# Classes Keras cannot call in a model (Equalization's compute_output_spec returns its input
# itself, which Keras's graph calls a cycle): proven on the layer alone, built and asked its
# output shape and count
STANDALONE = {"Equalization": _equalization}


# Classes Keras wraps in TimeDistributed without an output shape (its summary says `?` and 0
# parameters): the engine refuses them there, so the catalogue does not draw them wrapped
NOT_WRAPPED = {"Pipeline"}
CASES_EACH = 6  # cases of each class in the golden file: plain, frozen, in TimeDistributed


def random_spec(rng: random.Random, class_name: str, variant: str, name: str, keras=None) -> dict:
    """A Sequential spec with one layer of `class_name` that `keras` builds: `variant` plain,
    frozen (trainable: false), or time_distributed (wrapped, on a time axis more)."""
    if class_name in NOT_WRAPPED and variant == "time_distributed":
        variant = "plain"
    for attempt in range(100):
        if attempt == 40:  # Keras refuses this variant of the class (SpatialDropout2D takes no `trainable`)
            variant = "plain"
        shape, args = DRAWS[class_name](rng)
        layer = {class_name: dict(args)}
        if variant == "frozen":
            layer[class_name]["trainable"] = False
        if isinstance(shape, dict):  # called on several tensors: a functional model (not wrapped)
            variant = "frozen" if variant == "frozen" else "plain"
            spec = {"name": name, "inputs": shape, "layers": [{**layer, "inputs": list(shape)}]}
        else:
            if variant == "time_distributed":
                layer, shape = {"TimeDistributed": {"layer": layer}}, [rng.choice([2, 3]), *shape]
            spec = {"name": name, "input": shape, "layers": [layer]}
        try:
            _oracle(spec).build(spec, keras)
        except Exception:  # noqa: BLE001 - Keras refused the draw: draw again
            continue
        return spec
    raise RuntimeError(f"no valid {variant} {class_name} in 100 draws")


def weights(spec: dict, keras=None) -> list:
    """Every weight of the spec's layer as Keras built it: [path inside the layer, shape, trainable]."""
    model = _oracle(spec).build(spec, keras)
    layer = model.layers[-1]
    return [[w.path.split(f"{layer.name}/", 1)[1], list(w.shape), bool(w.trainable)] for w in layer.weights]


VARIANTS = ("plain", "plain", "plain", "frozen", "time_distributed", "time_distributed")


def cases(rng: random.Random) -> list:
    """CASES_EACH specs of every class, described by Keras: rows, totals, printed summaries,
    weights and its saved JSON."""
    out = []
    for class_name in sorted(DRAWS):
        for i in range(CASES_EACH):
            spec = random_spec(rng, class_name, VARIANTS[i % len(VARIANTS)], f"{class_name.lower()}_{i}")
            out.append(describe(spec))
    return out


def _oracle(spec: dict):
    return keras_functional if "inputs" in spec else keras_models


def describe(spec: dict, keras=None) -> dict:
    described = _oracle(spec).describe(spec)
    model = _oracle(spec).build(spec, keras)
    return {**described, "weights": weights(spec, keras), "json": model.to_json()}

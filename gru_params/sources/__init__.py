"""Readers: each kind of file a user has, to a `ModelSpec`. One entry point, `load`, chooses the
reader by the file's suffix; only the readers here touch yaml, json, zipfile, h5py and onnx.

A YAML spec and a saved Keras model give layers, which `infer` walks; a checkpoint (a torch
state_dict, a .safetensors file, an ONNX model) gives tensors and no architecture, so its
reader builds the summary itself (`ModelSpec.summary`)."""

from __future__ import annotations

import os

from ..errors import SpecError
from ..files import path_text
from ..spec import ModelSpec

KERAS_SUFFIXES = (".keras", ".json", ".h5", ".hdf5")  # a model Keras saved: sources/keras.py
TORCH_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt")  # torch.save: sources/state_dict.py
SAFETENSORS_SUFFIXES = (".safetensors",)
ONNX_SUFFIXES = (".onnx",)
SAVED_SUFFIXES = KERAS_SUFFIXES + TORCH_SUFFIXES + SAFETENSORS_SUFFIXES + ONNX_SUFFIXES


def kind(path: str) -> str:
    """Which reader takes `path`: keras, torch, safetensors, onnx, or yaml (anything else)."""
    suffix = os.path.splitext(path)[1].lower()
    for name, suffixes in (("keras", KERAS_SUFFIXES), ("torch", TORCH_SUFFIXES),
                           ("safetensors", SAFETENSORS_SUFFIXES), ("onnx", ONNX_SUFFIXES)):
        if suffix in suffixes:
            return name
    return "yaml"


def load(path, output_shapes: dict | None = None, params: dict | None = None) -> ModelSpec:
    """Read and validate the model at `path`: a YAML spec (which may stand for a saved file with
    `source:`), a model saved by Keras (.keras, .json, .h5), a torch checkpoint (.pt, .pth, .bin,
    .ckpt), a .safetensors file or an ONNX model. `output_shapes` gives, by layer name, the
    per-sample output shape of a saved Keras model's Lambda and custom layers, which Keras
    computed by running their code, and `params` a custom layer's count, as (trainable,
    non-trainable). Raises `SpecError` (file, line, key) on bad input."""
    path = path_text(path)
    spec = _read(path, output_shapes, params)
    if spec.source is None:
        return spec
    source, where = spec.source
    if kind(source) == "yaml":
        raise SpecError(where, f"expected a saved model or checkpoint ({', '.join(SAVED_SUFFIXES)}), got "
                               f"{os.path.basename(source)!r}; a YAML spec lists its layers itself")
    try:
        saved = _read(source, output_shapes, params)
    except SpecError as error:  # said from the spec's `source` line, when it is one line
        if "\n" in str(error):
            raise
        raise SpecError(where, str(error)) from None
    name = spec.name or saved.name
    summary = saved.summary._replace(name=name) if saved.summary is not None else None
    return saved._replace(name=name, expect=spec.expect, budget=spec.budget, compute=spec.compute, summary=summary)


def _read(path: str, output_shapes: dict | None, params: dict | None) -> ModelSpec:
    which = kind(path)
    if which == "yaml":
        from .yaml_spec import read

        return read(path)
    if which == "keras":
        from .keras import load_saved

        return load_saved(path, output_shapes, params)
    from ..checkpoint import checkpoint_spec, summarize_tensors

    if which == "onnx":
        from .onnx_model import read_summary

        return checkpoint_spec(read_summary(path))
    if which == "safetensors":
        from .safetensors_file import read_tensors

        return checkpoint_spec(summarize_tensors(read_tensors(path), path))
    from .state_dict import read_tensors

    tensors, key = read_tensors(path)
    return checkpoint_spec(summarize_tensors(tensors, path),
                           (f"{path}: the state_dict is the checkpoint's `{key}` entry",) if key else ())

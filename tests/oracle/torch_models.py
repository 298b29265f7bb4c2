"""Random PyTorch specs, and the same models in torch summarized by real torchinfo.

Shared by `make_golden.py` (tests/golden/torchinfo_models.json) and the live tests.
"""

from __future__ import annotations

import contextlib
import io
import random

# What torchinfo prints that does not come from the parameters: left out by gru-params.
RUN_LINES = ("Total mult-adds", "Input size (MB)", "Forward/backward pass size (MB)", "Estimated Total Size (MB)")


def random_spec(rng: random.Random, name: str) -> dict:
    layers = []
    if rng.random() < 0.4:
        spec_input = [rng.choice([5, 20, 50])]
        features = rng.choice([4, 8, 32])
        layers.append({"Embedding": {"num_embeddings": rng.choice([50, 1000]), "embedding_dim": features}})
    else:
        features = rng.choice([1, 3, 16, 28])
        spec_input = [rng.choice([4, 10, 28]), features]
    for _ in range(rng.randint(1, 5)):
        choice = rng.choice(["RNN", "LSTM", "GRU", "RNN", "LSTM", "GRU", "Linear", "Dropout", "LayerNorm"])
        args = {}
        if choice in ("RNN", "LSTM", "GRU"):
            hidden = rng.choice([2, 5, 16, 64])
            args = {"hidden_size": hidden}
            if rng.random() < 0.5:
                args["input_size"] = features
            if rng.random() < 0.4:
                args["num_layers"] = rng.choice([2, 3])
            if rng.random() < 0.4:
                args["bidirectional"] = True
            if rng.random() < 0.2:
                args["bias"] = False
            if rng.random() < 0.5:
                args["batch_first"] = True
            if choice == "LSTM" and hidden > 2 and rng.random() < 0.3:
                args["proj_size"] = rng.randrange(1, hidden)
            features = (args.get("proj_size") or hidden) * (2 if args.get("bidirectional") else 1)
        elif choice == "Linear":
            out = rng.choice([1, 10, 32])
            args = {"out_features": out, **({"in_features": features} if rng.random() < 0.5 else {})}
            if rng.random() < 0.2:
                args["bias"] = False
            features = out
        elif choice == "Dropout":
            args = {"p": 0.2}
        else:
            args = {"normalized_shape": features} if rng.random() < 0.5 else {}
        if rng.random() < 0.15 and choice != "Dropout":
            args["trainable"] = False
        layers.append({choice: args})
    return {"name": name, "framework": "pytorch", "input": spec_input, "layers": layers}


def build(spec: dict):
    import torch

    class Sequential(torch.nn.Sequential):
        """nn.Sequential that passes an RNN's output tensor on, not its (output, state) tuple."""

        def forward(self, x):
            for module in self:
                x = module(x)
                x = x[0] if isinstance(x, tuple) else x
            return x

    modules, features = [], spec["input"][-1]
    for entry in spec["layers"]:
        (kind, args), = entry.items()
        args = dict(args)
        trainable = args.pop("trainable", True)
        if kind in ("RNN", "LSTM", "GRU"):
            args.setdefault("input_size", features)
            module = getattr(torch.nn, kind)(**args)
            features = (args.get("proj_size") or args["hidden_size"]) * (2 if args.get("bidirectional") else 1)
        elif kind == "Linear":
            args.setdefault("in_features", features)
            module = torch.nn.Linear(**args)
            features = args["out_features"]
        elif kind == "LayerNorm":
            args.setdefault("normalized_shape", features)
            module = torch.nn.LayerNorm(**args)
        elif kind == "Embedding":
            module = torch.nn.Embedding(**args)
            features = args["embedding_dim"]
        else:
            module = getattr(torch.nn, kind)(**args)
        module.requires_grad_(trainable)
        modules.append(module)
    return Sequential(*modules)


def describe(spec: dict) -> dict:
    """torchinfo's summary, plain and verbose=2, without the lines that need a forward pass's costs."""
    import torch
    from torchinfo import summary

    model = build(spec)
    dtype = torch.long if "Embedding" in spec["layers"][0] else torch.float32
    x = torch.zeros(1, *spec["input"], dtype=dtype)
    printed = {}
    for verbose, key in ((0, "summary"), (2, "summary_expand")):
        with contextlib.redirect_stdout(io.StringIO()):  # verbose=2 also prints
            text = str(summary(model, input_data=x, verbose=verbose, depth=3))
        printed[key] = "\n".join(line for line in text.splitlines() if not line.startswith(RUN_LINES)) + "\n"
    return {"spec": spec, **printed, "total_params": sum(p.numel() for p in model.parameters())}

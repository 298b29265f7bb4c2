"""Memory against real torch: the weights, gradients and optimizer state of random modules
after one forward/backward and one `optimizer.step()`, for every optimizer and dtype.

What torch keeps is measured, never computed: the bytes of every parameter, of every `p.grad`,
and of the tensors in `opt.state[p]` that have the parameter's shape (not the scalar `step`).
Under float16 and bfloat16 the convention (issue 13) counts the optimizer state in float32, as
mixed-precision training keeps it; plain torch does not (its states are in the parameter's
dtype), so both are checked: plain torch's dtypes as they are, and the convention against the
mixed-precision recipe (the optimizer steps fp32 master copies of the parameters)."""

import random

import pytest

from gru_params.checkpoint import Tensor, summarize_tensors
from gru_params.cost.memory import OPTIMIZERS, memory, memory_of_summary
from gru_params.errors import ArgumentError
from tests.live import each_live_case

# (optimizer name, its options in memory(), the torch class name, its arguments)
VARIANTS = [
    ("none", {}, None, {}),
    ("sgd", {}, "SGD", {"lr": 0.1}),
    ("momentum", {}, "SGD", {"lr": 0.1, "momentum": 0.9}),
    ("adam", {}, "Adam", {}),
    ("adam", {"amsgrad": True}, "Adam", {"amsgrad": True}),
    ("adamw", {}, "AdamW", {}),
    ("adamw", {"amsgrad": True}, "AdamW", {"amsgrad": True}),
    ("rmsprop", {}, "RMSprop", {}),
    ("rmsprop", {"centered": True}, "RMSprop", {"centered": True}),
    ("adagrad", {}, "Adagrad", {}),
]
DTYPES = ["float32", "float16", "bfloat16", "float64"]
MIXED = {"float16", "bfloat16"}


def _draw(rng: random.Random) -> dict:
    modules = []
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(["LSTM", "GRU", "Linear"])
        d, u = rng.randint(1, 12), rng.randint(1, 12)
        if kind == "Linear":
            args = {"in_features": d, "out_features": u, "bias": rng.random() < 0.7}
        else:
            args = {"input_size": d, "hidden_size": u, "num_layers": rng.randint(1, 2),
                    "bidirectional": rng.random() < 0.5, "bias": rng.random() < 0.8, "batch_first": True}
            if kind == "LSTM" and u > 1 and rng.random() < 0.4:
                args["proj_size"] = rng.randint(1, u - 1)
        modules.append((kind, args, rng.choice(["train", "train", "frozen", "part"])))
    return {"modules": modules, "seed": rng.randrange(2**31)}


def _build(torch, case: dict, dtype: str):
    """The modules in `dtype`, frozen as drawn (at least one parameter left trainable)."""
    torch.manual_seed(case["seed"])
    coin = random.Random(case["seed"])
    modules = []
    for kind, args, freeze in case["modules"]:
        m = getattr(torch.nn, kind)(**args).to(getattr(torch, dtype))
        for p in m.parameters():
            p.requires_grad_(freeze == "train" or (freeze == "part" and coin.random() < 0.5))
        modules.append((m, args))
    params = [p for m, _ in modules for p in m.parameters()]
    if not any(p.requires_grad for p in params):
        params[0].requires_grad_(True)
    return modules, params


def _backward(torch, modules, dtype: str) -> None:
    loss = 0
    for m, args in modules:
        width = args.get("in_features") or args["input_size"]
        shape = (2, width) if "in_features" in args else (2, 3, width)
        out = m(torch.randn(*shape, dtype=getattr(torch, dtype)))
        loss = loss + (out if "in_features" in args else out[0]).float().sum()
    if loss.requires_grad:
        loss.backward()


def _state_bytes(opt, params) -> int:
    """The bytes of the per-parameter state tensors `opt` keeps for `params`."""
    total = 0
    for p in params:
        for key, t in opt.state[p].items():
            if tuple(t.shape) == tuple(p.shape):
                total += t.numel() * t.element_size()
            else:
                assert key == "step", f"unexpected state {key} of shape {tuple(t.shape)}"
    return total


def _measure(torch, case: dict, dtype: str, cls: str | None, kwargs: dict) -> dict:
    """What torch holds after one step: plain torch on the parameters, and the mixed-precision
    recipe (an fp32 master copy of each float16/bfloat16 trainable parameter, stepped in its place)."""
    modules, params = _build(torch, case, dtype)
    _backward(torch, modules, dtype)
    trainable = [p for p in params if p.requires_grad]
    found = {
        "weights": sum(p.numel() * p.element_size() for p in params),
        "gradients": sum(p.grad.numel() * p.grad.element_size() for p in params if p.grad is not None),
        "pairs": [(p.numel(), p.requires_grad) for p in params],
        "plain": 0, "recipe": 0, "state_dtypes": set(),
    }
    assert all(p.grad is None for p in params if not p.requires_grad)
    if cls is None:
        return found
    # Plain torch: only the trainable parameters given to the optimizer, the usual recipe
    opt = getattr(torch.optim, cls)(trainable, **kwargs)
    opt.step()
    found["plain"] = _state_bytes(opt, trainable)
    found["state_dtypes"] = {str(t.dtype).removeprefix("torch.") for p in trainable
                             for k, t in opt.state[p].items() if k != "step"}
    # The mixed-precision recipe: fp32 masters for the half-precision parameters
    masters = []
    for p in trainable:
        if dtype in MIXED:
            master = p.detach().float().requires_grad_(True)
            master.grad = p.grad.float()
            masters.append(master)
        else:
            masters.append(p)
    opt = getattr(torch.optim, cls)(masters, **kwargs)
    opt.step()
    found["recipe"] = _state_bytes(opt, masters)
    return found


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: "-".join([v[0], *v[1]]))
def test_memory_matches_torch_after_one_step(torch, variant, dtype):
    name, options, cls, kwargs = variant

    def compare(found):
        got = memory(found["pairs"], dtype, name, **options)
        assert got.weights == found["weights"]
        assert got.gradients == found["gradients"]
        # The convention: the recipe's state (plain torch's own where the dtype is not mixed)
        assert got.optimizer == found["recipe"]
        if dtype in MIXED:
            # Plain torch keeps its states in the parameter's dtype (zeros_like(p)): the
            # convention deliberately counts them in float32 instead
            assert found["state_dtypes"] <= {dtype}
        else:
            assert found["plain"] == found["recipe"]
        assert got.activations is None
        assert got.total == got.weights + got.gradients + got.optimizer

    each_live_case(3, _draw, lambda case: _measure(torch, case, dtype, cls, kwargs), compare, "torch")


def test_torch_state_tensors_per_optimizer(torch):
    """OPTIMIZERS is what torch keeps: count the parameter-shaped state tensors after one step
    of a single trainable float32 parameter."""
    for name, options, cls, kwargs in VARIANTS:
        if cls is None:
            continue
        p = torch.nn.Parameter(torch.randn(3, 2))
        opt = getattr(torch.optim, cls)([p], **kwargs)
        p.grad = torch.randn(3, 2)
        opt.step()
        shaped = [k for k, t in opt.state[p].items() if tuple(t.shape) == (3, 2)]
        assert len(shaped) == OPTIMIZERS[name] + sum(options.values()), (name, options, shaped)


def test_half_precision_states_in_plain_torch(torch):
    """The fact behind the difference: torch's Adam keeps float16/bfloat16 states for a
    float16/bfloat16 parameter, not float32."""
    for dtype in (torch.float16, torch.bfloat16):
        p = torch.nn.Parameter(torch.randn(4, dtype=dtype))
        p.grad = torch.randn(4, dtype=dtype)
        opt = torch.optim.Adam([p])
        opt.step()
        assert opt.state[p]["exp_avg"].dtype == dtype
        assert opt.state[p]["exp_avg_sq"].dtype == dtype
        assert memory([(4, True)], str(dtype).removeprefix("torch."), "adam").optimizer == 2 * 4 * 4


def test_adagrad_keeps_state_for_frozen_parameters_it_is_given(torch):
    """Why frozen parameters are assumed left out of the optimizer: Adagrad allocates `sum` at
    construction for every parameter it is given; Adam allocates none for a frozen one."""
    m = torch.nn.Linear(3, 2)
    m.bias.requires_grad_(False)
    adagrad, adam = torch.optim.Adagrad(m.parameters()), torch.optim.Adam(m.parameters())
    m(torch.randn(2, 3)).sum().backward()
    adagrad.step()
    adam.step()
    assert "sum" in adagrad.state[m.bias]
    assert not adam.state[m.bias]
    assert memory([(6, True), (2, False)], "float32", "adagrad").optimizer == 6 * 4


def test_int8_weights_cannot_be_trained(torch):
    with pytest.raises(RuntimeError, match="can require gradients"):
        torch.zeros(3, dtype=torch.int8).requires_grad_(True)
    for optimizer in ("sgd", "adam"):
        with pytest.raises(ArgumentError, match="int8 weights cannot be trained"):
            memory([(3, True)], "int8", optimizer)
    t = torch.zeros(7, dtype=torch.int8)
    got = memory([(7, True), (2, False)], "int8", "none")
    assert got.weights == (t.numel() + 2) * t.element_size()
    assert (got.gradients, got.optimizer) == (0, 0)
    assert memory([(7, False)], "int8", "adam").total == 7  # nothing to train: no error


def test_checkpoint_dtypes(torch):
    """A checkpoint's own dtypes (dtype None): a float64 LSTM beside a float16 Linear, against
    torch with the float16 part stepped through fp32 masters."""
    lstm, head = torch.nn.LSTM(5, 4).double(), torch.nn.Linear(4, 3).half()
    out = head(lstm(torch.randn(2, 5, dtype=torch.float64))[0].half())
    out.float().sum().backward()
    params = list(lstm.parameters()) + list(head.parameters())
    masters = [p if p.dtype == torch.float64 else p.detach().float().requires_grad_(True) for p in params]
    for p, m in zip(params, masters):
        if m is not p:
            m.grad = p.grad.float()
    opt = torch.optim.AdamW(masters)
    opt.step()
    state = dict(lstm.state_dict(prefix="lstm."), **head.state_dict(prefix="head."))
    summary = summarize_tensors([Tensor(k, tuple(v.shape), str(v.dtype).removeprefix("torch."))
                                 for k, v in state.items()], "model.pt")
    got = memory_of_summary(summary, optimizer="adamw")
    assert got.weights == sum(p.numel() * p.element_size() for p in params)
    assert got.gradients == sum(p.grad.numel() * p.grad.element_size() for p in params)
    assert got.optimizer == _state_bytes(opt, masters)
    # An explicit dtype overrides the stored ones
    numel = sum(p.numel() for p in params)
    assert memory_of_summary(summary, "float32", "sgd").weights == numel * torch.empty(0).element_size()


def test_errors_name_the_closest_choice():
    with pytest.raises(ArgumentError, match=r"got 'flaot16' \(did you mean `float16`\?\)"):
        memory([(1, True)], "flaot16")
    with pytest.raises(ArgumentError, match=r"got 'adma' \(did you mean `adam`\?\)"):
        memory([(1, True)], optimizer="adma")
    with pytest.raises(ArgumentError, match="`amsgrad` is an option of adam and adamw, not of `sgd`"):
        memory([(1, True)], optimizer="sgd", amsgrad=True)
    with pytest.raises(ArgumentError, match="`centered` is an option of rmsprop, not of `adam`"):
        memory([(1, True)], centered=True)
    with pytest.raises(ArgumentError, match="expected one of float32"):
        memory([(1, True)], ["float32"])

"""What the checkpoint readers' tests share: torch's own account of a state_dict, and the
one-line refusal every bad file must get."""

import pytest

from gru_params import SpecError


def expected(state) -> dict:
    """What torch says of a state_dict: {name: (shape, dtype)}, dtype by torch's name."""
    return {k: (tuple(v.shape), str(v.dtype)[6:]) for k, v in state.items()}


def refused(read_tensors, path, *parts: str) -> str:
    """The one-line SpecError `read_tensors(path)` gives; it names the file and holds each of `parts`."""
    with pytest.raises(SpecError) as error:
        read_tensors(str(path))
    message = str(error.value)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message and message.isprintable(), message
    for part in parts:
        assert part in message, message
    return message


def random_model(torch, rng):
    """A recurrent model of every kind the counts care about, at random sizes."""
    nn = torch.nn
    n_in, hidden = rng.randint(1, 9), rng.randint(2, 12)
    return nn.ModuleDict({
        "lstm": nn.LSTM(n_in, hidden, num_layers=rng.randint(1, 3), proj_size=rng.randint(1, hidden - 1),
                        bidirectional=rng.random() < 0.5, bias=rng.random() < 0.8),
        "gru": nn.GRU(n_in, hidden, num_layers=rng.randint(1, 2), bidirectional=True, batch_first=True),
        "linear": nn.Linear(hidden, rng.randint(1, 9), bias=rng.random() < 0.5),
        "embedding": nn.Embedding(rng.randint(2, 50), n_in),
        "norm": nn.BatchNorm1d(hidden),  # running stats, and num_batches_tracked: an int64 buffer
    })

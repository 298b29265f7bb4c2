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

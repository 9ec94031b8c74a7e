"""SharedActorCritic and ActorCritic in torch: the state_dict holds torch's own
layout (the shared contract is in tests/backends/test_mlp.py)."""

from tests.backends.builders import build
from tests.backends.torch_backend import BACKEND


def test_the_state_dict_holds_torch_s_layout():
    model = build(BACKEND, "SharedActorCritic", obs=4, act=3, architecture=[8, 6])
    assert model.canonical_params()["network.layers.2.kernel"].shape == (8, 6)  # JAX layout (in, out)
    assert model.state_dict()["network.layers.2.weight"].shape == (6, 8)  # torch layout (out, in)

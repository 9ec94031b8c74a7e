"""``layer_norm``: a LayerNorm (Flax's: epsilon 1e-6, ``scale`` and ``bias``)
after each activation of the torso, in both backends, as the configuration
states it and as the numpy reference computes it."""

import numpy as np
import pytest

from rlmodels_common.configs import SharedActorCriticConfig
from rlmodels_common.reference import forward


def test_layer_norm_parameters_are_the_configurations(backend):
    model = backend.rb.SharedActorCritic(5, 2, key=0, architecture=[7, 6], layer_norm=True)
    params = model.canonical_params()
    assert {k: v.shape for k, v in params.items()} == model.config.parameter_shapes()
    assert {k for k in params if k.endswith(".scale")} == {"network.layers.2.scale", "network.layers.5.scale"}
    np.testing.assert_array_equal(params["network.layers.2.scale"], np.ones(7, np.float32))
    np.testing.assert_array_equal(params["network.layers.5.bias"], np.zeros(6, np.float32))


@pytest.mark.parametrize("discrete", [False, True])
def test_layer_norm_outputs_match_the_reference(backend, discrete):
    with backend.float64():
        model = backend.rb.SharedActorCritic(5, 3, key=1, architecture=[7, 6], layer_norm=True, discrete=discrete, dtype="float64")
        rng = np.random.default_rng(0)
        params = {k: 2 * rng.standard_normal(v.shape) for k, v in model.canonical_params().items()}
        model.load_canonical_params(params)
        x = 3 * rng.standard_normal((4, 5))
        pi, value = model(backend.array(x, "float64"))
        want = forward(model.config, params, x)
        np.testing.assert_allclose(backend.numpy(value), want["value"], rtol=1e-10, atol=1e-12)
        got = backend.numpy(pi.logits) if discrete else backend.numpy(backend.gaussian(pi)[0])
        np.testing.assert_allclose(got, want["logits"] if discrete else want["loc"], rtol=1e-10, atol=1e-12)


def test_metadata_without_layer_norm_means_none():
    """Checkpoints written before the field existed hold no ``layer_norm``."""
    config = SharedActorCriticConfig(observation_space_size=3, action_space_size=2)
    old = {k: v for k, v in config.metadata().items() if k != "layer_norm"}
    assert SharedActorCriticConfig.from_metadata(old) == config
    assert SharedActorCriticConfig.from_metadata({**old, "layer_norm": True}).layer_norm
    with pytest.raises(ValueError, match="expected layer_norm to be true or false, got 1"):
        SharedActorCriticConfig.from_metadata({**old, "layer_norm": 1})

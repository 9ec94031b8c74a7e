"""SharedActorCritic and ActorCritic: every constructor parameter has an effect
that is checked here (the math itself is checked against the oracle in test_model)."""

import math

import numpy as np
import pytest

from tests.backends.builders import FEED_FORWARD, build, observations, randomize, shapes


def singular_values(kernel):
    return np.linalg.svd(np.asarray(kernel, np.float64), compute_uv=False)


def test_shared_defaults_follow_the_seed(backend):
    model = backend.rb.SharedActorCritic(5, 2, key=0)
    assert model.metadata == {
        "observation_space_size": 5, "action_space_size": 2, "activation": "gelu",
        "action_space": {"type": "Free", "kwargs": {}}, "actor_sigma_head": False, "discrete": False,
        "dtype": "float32", "architecture": [42, 42, 42], "in_scale": math.sqrt(2), "actor_scale": 1.0,
        "critic_scale": 0.01,
        # the Brax options (added in 0.2), at the values that keep JaxDEM's model
        "sigma_activation": "softplus", "learn_log_std": True, "min_std": 0.0, "mean_clip_scale": None,
        "normalize_observations": False, "layer_norm": False, "initializer": "orthogonal",
    }  # fmt: skip
    assert isinstance(model.bij, backend.rb.Block) and isinstance(model.bij.bijector, backend.rb.Free)


def test_actor_critic_defaults_follow_the_seed(backend):
    meta = backend.rb.ActorCritic(5, 2, key=0).metadata
    assert meta["actor_architecture"] == meta["critic_architecture"] == [42, 42, 42]
    assert (meta["in_scale"], meta["actor_scale"], meta["critic_scale"]) == (math.sqrt(2), 1.0, 0.01)


def test_shared_parameter_layout(backend):
    model = build(backend, "SharedActorCritic", obs=4, act=3, architecture=[8, 6])
    assert shapes(model) == {
        "network.layers.0.kernel": (4, 8), "network.layers.0.bias": (8,),
        "network.layers.2.kernel": (8, 6), "network.layers.2.bias": (6,),
        "actor_mu.kernel": (6, 3), "actor_mu.bias": (3,), "log_std": (1, 3),
        "critic.kernel": (6, 1), "critic.bias": (1,),
    }  # fmt: skip
    assert model.actor_sigma is None


def test_actor_critic_parameter_layout(backend):
    model = build(backend, "ActorCritic", obs=4, act=3, actor_architecture=[8], critic_architecture=[6, 5])
    assert shapes(model) == {
        "actor_torso.layers.0.kernel": (4, 8), "actor_torso.layers.0.bias": (8,),
        "critic.layers.0.kernel": (4, 6), "critic.layers.0.bias": (6,),
        "critic.layers.2.kernel": (6, 5), "critic.layers.2.bias": (5,),
        "critic.layers.4.kernel": (5, 1), "critic.layers.4.bias": (1,),
        "actor_mu.kernel": (8, 3), "actor_mu.bias": (3,), "log_std": (1, 3),
    }  # fmt: skip


def test_empty_architectures_connect_heads_to_the_observation(backend):
    shared = build(backend, "SharedActorCritic", obs=4, act=3, architecture=[])
    assert shapes(shared)["actor_mu.kernel"] == (4, 3) and not any(k.startswith("network") for k in shapes(shared))
    split = build(backend, "ActorCritic", obs=4, act=3, actor_architecture=[], critic_architecture=[])
    assert shapes(split)["critic.layers.0.kernel"] == (4, 1) and shapes(split)["actor_mu.kernel"] == (4, 3)
    for model in (shared, split):
        pi, value = model(observations(backend, (2,)))
        assert value.shape == (2, 1)


@pytest.mark.parametrize("model_type", FEED_FORWARD)
def test_scales_set_the_orthogonal_initialisation(backend, model_type):
    model = build(backend, model_type, obs=4, act=3, in_scale=0.7, actor_scale=2.0, critic_scale=0.3)
    params = model.canonical_params()
    torso = [k for k in params if k.endswith("kernel") and ("network" in k or "torso" in k)]
    if model_type == "ActorCritic":
        torso += ["critic.layers.0.kernel", "critic.layers.2.kernel"]
        critic = params["critic.layers.4.kernel"]
    else:
        critic = params["critic.kernel"]
    for name in torso:
        np.testing.assert_allclose(singular_values(params[name]), 0.7, rtol=1e-5)
    np.testing.assert_allclose(singular_values(params["actor_mu.kernel"]), 2.0, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(critic), 0.3, rtol=1e-5)
    for name, value in params.items():
        if name.endswith("bias") or name == "log_std":
            np.testing.assert_array_equal(value, 0.0)


@pytest.mark.parametrize("model_type", FEED_FORWARD)
def test_sigma_head_makes_the_std_depend_on_the_state(backend, model_type):
    model = build(backend, model_type, obs=4, act=3, actor_sigma_head=True)
    names = set(model.canonical_params())
    assert {"actor_sigma.layers.0.kernel", "actor_sigma.layers.0.bias"} <= names and "log_std" not in names
    np.testing.assert_array_equal(model.canonical_params()["actor_sigma.layers.0.bias"], -1.0)
    randomize(model)
    std = backend.numpy(backend.gaussian(model(observations(backend, (2,)))[0])[1])
    assert not np.allclose(std[0], std[1])
    assert np.all(std > 0)


@pytest.mark.parametrize("model_type", FEED_FORWARD)
def test_independent_log_std_is_shared_by_every_state(backend, model_type):
    model = build(backend, model_type, obs=4, act=3)
    randomize(model)
    std = backend.numpy(backend.gaussian(model(observations(backend, (2,)))[0])[1])
    # JAX's float32 exp rounds as numpy's; torch's may land one ulp away
    rtol = 1e-6 if backend.name == "torch" else 1e-7
    np.testing.assert_allclose(std, np.broadcast_to(np.exp(backend.numpy(model.log_std[0])), (2, 3)), rtol=rtol)


@pytest.mark.parametrize("model_type", FEED_FORWARD)
def test_activation_changes_the_function(backend, model_type):
    x = observations(backend, (2,))
    values = {name: backend.numpy(build(backend, model_type, activation=name, critic_scale=1.0)(x)[1]) for name in ("relu", "tanh")}
    assert not np.allclose(values["relu"], values["tanh"])
    assert build(backend, model_type, activation="relu").metadata["activation"] == "relu"


@pytest.mark.parametrize("model_type", FEED_FORWARD)
def test_action_space_bounds_the_actions(backend, model_type):
    model = build(backend, model_type, act=3, action_space=backend.rb.Box(-0.5, [0.0, 1.0, 2.0]))
    randomize(model, scale=3.0)
    pi, _ = model(observations(backend, (64,)))
    actions = backend.numpy(backend.sample(pi, seed=0))
    assert np.all(actions > -0.5) and np.all(actions < [0.0, 1.0, 2.0])
    assert model.metadata["action_space"]["type"] == "Box"


@pytest.mark.parametrize("model_type", FEED_FORWARD)
def test_discrete_gives_a_categorical_over_action_space_size(backend, model_type):
    model = build(backend, model_type, act=5, discrete=True)
    pi, _ = model(observations(backend, (2,)))
    assert pi.probs.shape == (2, 5) and model.bij is None and model.log_std is None


@pytest.mark.parametrize("model_type", FEED_FORWARD)
def test_float64_parameters_and_outputs(backend, model_type):
    with backend.float64():
        model = build(backend, model_type, dtype="float64")
        assert {v.dtype.name for v in model.canonical_params().values()} == {"float64"}
        pi, value = model(np.ones((2, 4)))
        assert value.dtype == backend.dtype("float64") and backend.gaussian(pi)[0].dtype == backend.dtype("float64")
        assert model.metadata["dtype"] == "float64"


@pytest.mark.parametrize("model_type", FEED_FORWARD)
def test_sequence_and_recurrent_keywords_have_no_effect_on_feed_forward_models(backend, model_type):
    model = build(backend, model_type)
    x = observations(backend, (5, 2))
    np.testing.assert_array_equal(backend.numpy(model(x, sequence=True)[1]), backend.numpy(model(x)[1]))
    done, carry = np.ones((5,), bool), (np.ones((2, 5)), np.ones((2, 5)))
    np.testing.assert_array_equal(backend.numpy(model(x, sequence=True, done=done, initial_carry=carry)[1]), backend.numpy(model(x)[1]))
    model.reset(x.shape)  # a no-op that exists so one loop drives every model
    with pytest.raises(TypeError, match="dones"):  # a misspelt keyword is not swallowed
        model(x, sequence=True, dones=done)


@pytest.mark.parametrize("name", ["architecture", "actor_architecture", "critic_architecture"])
def test_bad_architecture_entries_are_rejected(backend, name):
    model_type = "SharedActorCritic" if name == "architecture" else "ActorCritic"
    with pytest.raises(ValueError, match=rf"expected every {name} entry to be a positive integer, got 0"):
        build(backend, model_type, **{name: [4, 0]})
    with pytest.raises(ValueError, match=rf"expected {name} to be a sequence of positive integers, got 8"):
        build(backend, model_type, **{name: 8})

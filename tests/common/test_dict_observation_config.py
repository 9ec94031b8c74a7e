"""Dict observations in the configuration: ``ActorCritic`` with
``observation_space_size`` a mapping key -> size and the keys its actor and
critic read; what it holds, its JSON round trip, the numpy reference forward,
and the errors for what does not fit."""

import numpy as np
import pytest

from rlmodels_common.configs import ActorCriticConfig, LSTMActorCriticConfig, SharedActorCriticConfig
from rlmodels_common.contract import check_metadata
from rlmodels_common.checkpoint_format import CheckpointError
from rlmodels_common.reference import NUMPY_ACTIVATIONS, forward

SIZES = {"state": 3, "privileged_state": 5}


def config(**changes):
    options = dict(
        observation_space_size=SIZES, action_space_size=2, actor_architecture=(4,), critic_architecture=(6,),
        actor_observation_key="state", critic_observation_key="privileged_state", normalize_observations=True,
    )  # fmt: skip
    return ActorCriticConfig(**{**options, **changes})


def test_each_torso_and_each_keys_statistics_have_their_own_size():
    c = config()
    assert c.observation_keys == ("state", "privileged_state")
    shapes = c.parameter_shapes()
    assert shapes["actor_torso.layers.0.kernel"] == (3, 4) and shapes["critic.layers.0.kernel"] == (5, 6)
    assert {k: v for k, v in shapes.items() if k.startswith("normalizer")} == {
        "normalizer.state.mean": (3,), "normalizer.state.std": (3,),
        "normalizer.privileged_state.mean": (5,), "normalizer.privileged_state.std": (5,),
    }  # fmt: skip
    one = config(critic_observation_key="state", observation_space_size={"state": 3, "unused": 9})
    assert one.observation_keys == ("state",) and one.parameter_shapes()["critic.layers.0.kernel"] == (3, 6)
    assert "normalizer.unused.mean" not in one.parameter_shapes()  # only the keys read have statistics
    assert ActorCriticConfig(observation_space_size=3, action_space_size=1).observation_keys is None


def test_the_metadata_holds_the_sizes_as_an_object_and_older_metadata_means_no_keys():
    c = config()
    meta = c.metadata()
    assert meta["observation_space_size"] == SIZES and meta["critic_observation_key"] == "privileged_state"
    assert ActorCriticConfig.from_metadata(meta) == c and check_metadata("ActorCritic", meta) == c
    plain = ActorCriticConfig(observation_space_size=3, action_space_size=1).metadata()
    old = {k: v for k, v in plain.items() if k not in ("actor_observation_key", "critic_observation_key")}
    assert ActorCriticConfig.from_metadata(old).actor_observation_key is None


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"actor_observation_key": None}, "dict observations need both actor_observation_key and critic_observation_key; got "
         "actor_observation_key None, critic_observation_key 'privileged_state'"),
        ({"critic_observation_key": "pixels"}, "expected critic_observation_key one of the observation keys "
         "['privileged_state', 'state'], got 'pixels'"),
        ({"observation_space_size": 3}, "actor_observation_key and critic_observation_key apply to dict observations "
         "(observation_space_size a mapping key -> size); got observation_space_size 3 with actor_observation_key "
         "'state', critic_observation_key 'privileged_state'"),
        ({"observation_space_size": {"state": 3, "privileged_state": 0}},
         "expected observation_space_size['privileged_state'] to be a positive integer, got 0"),
        ({"observation_space_size": {}}, "expected observation_space_size to be a positive integer or a non-empty mapping"),
        ({"observation_space_size": {"a.b": 3}, "actor_observation_key": "a.b", "critic_observation_key": "a.b"},
         "expected observation keys to be non-empty strings without '.', got 'a.b'"),
    ],
)
def test_what_does_not_fit_is_named(changes, message):
    with pytest.raises(ValueError) as error:
        config(**changes)
    assert message in str(error.value)


@pytest.mark.parametrize("config_class", [SharedActorCriticConfig, LSTMActorCriticConfig])
def test_other_models_refuse_dict_observations(config_class):
    with pytest.raises(ValueError, match=f"{config_class.model_type} takes array observations: expected "
                       r"observation_space_size a positive integer, got \{'state': 3\}; only ActorCritic reads dict"):
        config_class(observation_space_size={"state": 3}, action_space_size=2)


def test_json_sizes_are_checked_strictly():
    meta = config().metadata()
    with pytest.raises(CheckpointError, match=r"expected observation_space_size\['state'\] to be a positive integer, got 3.0"):
        check_metadata("ActorCritic", {**meta, "observation_space_size": {"state": 3.0, "privileged_state": 5}})
    with pytest.raises(CheckpointError, match="expected actor_observation_key to be a non-empty string without '.' or null, got 3"):
        check_metadata("ActorCritic", {**meta, "actor_observation_key": 3})


def test_the_reference_forward_reads_each_torsos_key_with_its_statistics():
    c = config(critic_architecture=())
    rng = np.random.default_rng(0)
    p = {k: rng.standard_normal(s) for k, s in c.parameter_shapes().items()}
    x = {"state": rng.standard_normal((4, 3)), "privileged_state": rng.standard_normal((4, 5)), "ignored": np.zeros(1)}
    out = forward(c, p, x)
    actor_in = (x["state"] - p["normalizer.state.mean"]) / p["normalizer.state.std"]
    hidden = NUMPY_ACTIVATIONS["gelu"](actor_in @ p["actor_torso.layers.0.kernel"] + p["actor_torso.layers.0.bias"])
    np.testing.assert_allclose(out["loc"], hidden @ p["actor_mu.kernel"] + p["actor_mu.bias"])
    critic_in = (x["privileged_state"] - p["normalizer.privileged_state.mean"]) / p["normalizer.privileged_state.std"]
    np.testing.assert_allclose(out["value"], critic_in @ p["critic.layers.0.kernel"] + p["critic.layers.0.bias"])


def test_fuzzing_draws_dict_observation_actor_critics_and_probes_each_key():
    from rlmodels.parity.inputs import make_inputs
    from rlmodels.parity.space import random_configs

    drawn = [meta for _, meta, _ in random_configs(24, seed=0, model_types=["ActorCritic"])]
    split = [meta for meta in drawn if isinstance(meta["observation_space_size"], dict)]
    assert 0 < len(split) < len(drawn)
    for meta in split:
        c = ActorCriticConfig.from_metadata(meta)
        steps = make_inputs("ActorCritic", meta).cast("float32").steps
        assert {k: v.shape[-1] for k, v in steps[0].observation.items()} == c.observation_space_size
        assert steps[0].observation[c.actor_observation_key].dtype == np.float64

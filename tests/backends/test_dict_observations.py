"""Dict observations, in both backends: an ``ActorCritic`` whose actor reads
one key and whose critic reads another (MuJoCo Playground's ``state`` and
``privileged_state``), each normalised with its own statistics, as the
configuration states it and as the numpy reference computes it."""

import numpy as np
import pytest

from rlmodels_common.reference import forward

KEYS = dict(actor_observation_key="state", critic_observation_key="privileged_state")


def build(backend, dtype="float32", **options):
    return backend.rb.ActorCritic(
        {"state": 3, "privileged_state": 5}, 2, key=0, actor_architecture=[4], critic_architecture=[6, 3],
        normalize_observations=True, dtype=dtype, **{**KEYS, **options},
    )  # fmt: skip


def observations(backend, batch, dtype="float32", seed=0, **extra):
    rng = np.random.default_rng(seed)
    x = {"state": rng.standard_normal((*batch, 3)), "privileged_state": rng.standard_normal((*batch, 5)), **extra}
    return x, {k: backend.array(v, dtype) for k, v in x.items()}


def test_the_parameters_are_the_configurations_with_one_statistic_per_key(backend, tmp_path):
    model = build(backend)
    params = model.canonical_params()
    assert {k: v.shape for k, v in params.items()} == model.config.parameter_shapes()
    assert params["normalizer.privileged_state.std"].shape == (5,)
    loaded = backend.rb.load(backend.rb.save(model, tmp_path / "policy"))
    assert loaded.config == model.config and loaded.config.observation_space_size == {"state": 3, "privileged_state": 5}


@pytest.mark.parametrize("discrete", [False, True])
def test_outputs_match_the_reference_in_every_calling_mode(backend, discrete):
    with backend.float64():
        model = build(backend, "float64", discrete=discrete)
        rng = np.random.default_rng(1)
        params = {k: rng.standard_normal(v.shape) for k, v in model.canonical_params().items()}
        params = {k: np.abs(v) + 0.5 if k.endswith(".std") else v for k, v in params.items()}
        model.load_canonical_params(params)
        x, xs = observations(backend, (2, 4), "float64", extra=np.zeros(7))  # an extra key is ignored
        want = forward(model.config, params, x)
        for pi, value in (model(xs), model.step(xs, None)[:2], model(xs, sequence=True)):
            np.testing.assert_allclose(backend.numpy(value), want["value"], rtol=1e-12, atol=1e-12)
            got = backend.numpy(pi.logits) if discrete else backend.numpy(backend.gaussian(pi)[0])
            np.testing.assert_allclose(got, want["logits"] if discrete else want["loc"], rtol=1e-12, atol=1e-12)


def test_the_normalised_observations_are_recorded_per_key(backend):
    from rlmodels_common.intermediates import recording

    model = build(backend)
    x, xs = observations(backend, (2,))
    with recording() as found:
        model(xs)
    np.testing.assert_allclose(backend.numpy(found["normalizer.state"]), x["state"], rtol=1e-6)
    assert backend.numpy(found["normalizer.privileged_state"]).shape == (2, 5)


def test_observations_that_do_not_fit_are_named(backend):
    model = build(backend)
    x, xs = observations(backend, (2,))
    with pytest.raises(ValueError, match=r"expected the observation keys \['state', 'privileged_state'\], got \['state'\]; missing \['privileged_state'\]"):
        model({"state": xs["state"]})
    with pytest.raises(ValueError, match=r"expected observation\['privileged_state'\] last dim 5, got \(2, 4\)"):
        model({**xs, "privileged_state": backend.array(np.zeros((2, 4)), "float32")})
    with pytest.raises(ValueError, match=r"expected one batch shape for every observation key, got \{'state': \(2,\), 'privileged_state': \(3,\)\}"):
        model({**xs, "privileged_state": backend.array(np.zeros((3, 5)), "float32")})
    with pytest.raises(TypeError, match=r"this ActorCritic reads dict observations \(keys 'state' and 'privileged_state'\): "
                       "expected a mapping key -> array, got "):
        model(xs["state"])
    plain = backend.rb.ActorCritic(3, 2, key=0)
    with pytest.raises(TypeError, match=r"ActorCritic reads array observations \(\.\.\., 3\), got a mapping with keys \['privileged_state', 'state'\]"):
        plain(xs)

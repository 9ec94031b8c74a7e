"""What every model shares: outputs against the numpy oracle, shapes, argument
checks, metadata, canonical parameters and their gradients."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rlmodels_common.carry import entries, from_entries
from rlmodels_common.checkpoint_format import CheckpointError
from rlmodels_common.contract import carry_shapes
from rlmodels_common.reference import forward
from tests.backends.builders import BATCH_SHAPES, MODEL_TYPES, build, configs, observations, randomize


@given(batch=st.sampled_from(BATCH_SHAPES), seed=st.integers(0, 2**16), data=st.data())
def test_outputs_match_the_numpy_oracle(backend, batch, seed, data):
    model_type, kwargs = data.draw(configs(backend), label="config")
    with backend.float64():
        model = backend.rb.Model.create(model_type, key=seed, dtype="float64", **kwargs)
        params = randomize(model, seed)
        x = np.random.default_rng(seed + 1).standard_normal((*batch, kwargs["observation_space_size"]))
        carry = None
        if shapes := carry_shapes(model_type, model.metadata):  # step from a non-zero carry
            rng = np.random.default_rng(seed + 2)
            carry = from_entries(tuple(rng.standard_normal((*batch, *shape)) for shape in shapes.values()))
            model.carry = carry
        with backend.no_grad():
            pi, value = model(x)
        want = forward(model.config, params, x, carry)
        np.testing.assert_allclose(backend.numpy(value), want["value"], rtol=1e-10, atol=1e-12)
        if kwargs["discrete"]:
            # Categorical normalises its logits (log-softmax).
            np.testing.assert_allclose(backend.numpy(pi.logits), want["logits"], rtol=1e-10, atol=1e-12)
        else:
            loc, scale = backend.gaussian(pi)
            np.testing.assert_allclose(backend.numpy(loc), want["loc"], rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(backend.numpy(scale), want["scale"], rtol=1e-10, atol=1e-12)
        for got, expected in zip(entries(model.carry if carry is not None else None), entries(want.get("carry"))):
            np.testing.assert_allclose(backend.numpy(got), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("model_type", MODEL_TYPES)
@pytest.mark.parametrize("discrete", [False, True])
@pytest.mark.parametrize("batch", BATCH_SHAPES)
def test_output_shapes(backend, model_type, discrete, batch):
    model = build(backend, model_type, obs=4, act=3, discrete=discrete)
    pi, value = model(observations(backend, batch))
    assert value.shape == (*batch, 1)
    assert pi.batch_shape == batch
    action = backend.sample(pi, seed=0)
    assert pi.log_prob(action).shape == batch
    assert pi.entropy().shape == batch
    if discrete:
        assert isinstance(pi, backend.categorical) and action.shape == batch
        assert backend.rb.deterministic_action(pi).shape == batch
    else:
        assert isinstance(pi, backend.rb.Transformed) and isinstance(pi.distribution, backend.gaussian_type)
        assert action.shape == (*batch, 3)
        assert backend.rb.deterministic_action(pi).shape == (*batch, 3)


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_wrong_observation_width_names_expected_and_actual(backend, model_type):
    model = build(backend, model_type, obs=8)
    with pytest.raises(ValueError, match=r"expected observation last dim 8, got \(32, 5\)"):
        model(backend.array(np.zeros((32, 5))))
    with pytest.raises(ValueError, match=r"expected observation last dim 8, got \(\)"):
        model(backend.array(np.zeros(())))


@pytest.mark.parametrize("model_type", MODEL_TYPES)
@pytest.mark.parametrize("name, value", [
    ("observation_space_size", 0), ("action_space_size", -2), ("action_space_size", 2.5),
    ("observation_space_size", True),
])  # fmt: skip
def test_non_positive_sizes_are_rejected(backend, model_type, name, value):
    kwargs = {"observation_space_size": 4, "action_space_size": 3, name: value}
    with pytest.raises(ValueError, match=rf"expected {name} to be a positive integer, got {value!r}"):
        backend.rb.Model.create(model_type, key=0, **kwargs)


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_discrete_models_refuse_continuous_options(backend, model_type):
    with pytest.raises(ValueError, match=r"action_space applies to continuous actions only, got Box"):
        build(backend, model_type, discrete=True, action_space=backend.rb.Box(-1.0, 1.0))
    with pytest.raises(ValueError, match="actor_sigma_head applies to continuous actions only"):
        build(backend, model_type, discrete=True, actor_sigma_head=True)


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_box_bounds_must_match_the_action_size(backend, model_type):
    with pytest.raises(ValueError, match=r"expected Box bounds of length 3 \(action_space_size\) or scalars, got length 2"):
        build(backend, model_type, act=3, action_space=backend.rb.Box([-1.0, -1.0], [1.0, 1.0]))


def test_action_space_and_key_types_are_checked(backend):
    with pytest.raises(TypeError, match="expected an ActionSpace"):
        build(backend, "SharedActorCritic", action_space="Box")
    with pytest.raises(TypeError, match=f"expected key to be {backend.key_type} or an int seed, got str"):
        build(backend, "SharedActorCritic", key="0")


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_key_decides_the_initial_parameters(backend, model_type):
    a, b, c = build(backend, model_type, key=1), build(backend, model_type, key=backend.key(1)), build(backend, model_type, key=2)
    pa, pb, pc = a.canonical_params(), b.canonical_params(), c.canonical_params()
    for name in pa:
        np.testing.assert_array_equal(pa[name], pb[name])
    assert any(not np.array_equal(pa[n], pc[n]) for n in pa)


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_unregistered_activation_runs_but_cannot_be_described(backend, model_type):
    model = build(backend, model_type, activation=lambda x: x * 2)
    model(observations(backend, (2,)))
    with pytest.raises(ValueError, match=r"is not registered.*register_activation"):
        model.metadata


@given(data=st.data())
def test_metadata_rebuilds_an_equivalent_model(backend, data):
    model_type, kwargs = data.draw(configs(backend), label="config")
    model = backend.rb.Model.create(model_type, key=0, **kwargs)
    again = backend.rb.Model.from_metadata(model_type, model.metadata)
    assert type(again) is type(model)
    assert again.metadata == model.metadata
    assert {k: v.shape for k, v in again.canonical_params().items()} == {
        k: v.shape for k, v in model.canonical_params().items()
    }


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_load_canonical_params_rejects_mismatches_and_changes_nothing(backend, model_type):
    model = build(backend, model_type)
    before = model.canonical_params()
    bad = {k: np.zeros_like(v) for k, v in before.items()}
    name = sorted(bad)[0]
    bad[name] = np.zeros((7, 7), np.float32)
    bad["extra.kernel"] = np.zeros(1, np.float32)
    with pytest.raises(CheckpointError, match=rf"unexpected keys \['extra.kernel'\].*'{name}': expected shape"):
        model.load_canonical_params(bad)
    for k, v in model.canonical_params().items():
        np.testing.assert_array_equal(v, before[k])


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_gradients_reach_every_trainable_parameter(backend, model_type):
    model = build(backend, model_type, action_space=backend.rb.Box(-1.0, 1.0))
    randomize(model)
    model(observations(backend, (5,)))  # a second step, so the recurrent kernel matters
    action = backend.array(np.full((5, 3), 0.3))

    def loss(m):
        pi, value = m(observations(backend, (5,)))
        return (pi.log_prob(action) + pi.entropy() + value[..., 0]).sum()

    grads = backend.gradients(loss, model)
    params = model.canonical_params()
    assert set(grads) == set(params)
    assert backend.trainable_size(model) == sum(p.size for p in params.values())  # the names cover every one
    for name, grad in grads.items():
        assert np.all(np.isfinite(grad)) and np.any(grad != 0), name

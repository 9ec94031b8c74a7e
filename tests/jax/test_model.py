"""What every model shares: outputs against the numpy oracle, shapes, argument
checks, metadata, canonical parameters, and JAX transformations."""

import distrax
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx
from hypothesis import given
from hypothesis import strategies as st

import rlmodels_jax as rj
from rlmodels_common.checkpoint_format import CheckpointError
from tests.jax.builders import BATCH_SHAPES, MODEL_TYPES, build, configs, observations, randomize
from rlmodels_common.carry import entries, from_entries
from rlmodels_common.contract import carry_shapes
from rlmodels_common.reference import forward


@given(config=configs(), batch=st.sampled_from(BATCH_SHAPES), seed=st.integers(0, 2**16))
def test_outputs_match_the_numpy_oracle(config, batch, seed):
    model_type, kwargs = config
    with jax.enable_x64(True):
        model = rj.Model.create(model_type, key=seed, dtype="float64", **kwargs)
        params = randomize(model, seed)
        x = np.random.default_rng(seed + 1).standard_normal((*batch, kwargs["observation_space_size"]))
        carry = None
        if shapes := carry_shapes(model_type, model.metadata):  # step from a non-zero carry
            rng = np.random.default_rng(seed + 2)
            carry = from_entries(tuple(rng.standard_normal((*batch, *shape)) for shape in shapes.values()))
            model.carry = carry
        pi, value = model(x)
        want = forward(model.config, params, x, carry)
        np.testing.assert_allclose(value, want["value"], rtol=1e-10, atol=1e-12)
        if kwargs["discrete"]:
            # Categorical normalises its logits (log-softmax).
            logits = want["logits"]
            np.testing.assert_allclose(pi.logits, logits, rtol=1e-10, atol=1e-12)
        else:
            np.testing.assert_allclose(pi.distribution.loc, want["loc"], rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(pi.distribution.scale_diag, want["scale"], rtol=1e-10, atol=1e-12)
        for got, expected in zip(entries(model.carry if carry is not None else None), entries(want.get("carry"))):
            np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("model_type", MODEL_TYPES)
@pytest.mark.parametrize("discrete", [False, True])
@pytest.mark.parametrize("batch", BATCH_SHAPES)
def test_output_shapes(model_type, discrete, batch):
    model = build(model_type, obs=4, act=3, discrete=discrete)
    pi, value = model(observations(batch))
    assert value.shape == (*batch, 1)
    assert pi.batch_shape == batch
    action = pi.sample(seed=jax.random.key(0))
    assert pi.log_prob(action).shape == batch
    assert pi.entropy().shape == batch
    if discrete:
        assert isinstance(pi, distrax.Categorical) and action.shape == batch
        assert rj.deterministic_action(pi).shape == batch
    else:
        assert isinstance(pi, rj.Transformed) and isinstance(pi.distribution, distrax.MultivariateNormalDiag)
        assert action.shape == (*batch, 3)
        assert rj.deterministic_action(pi).shape == (*batch, 3)


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_wrong_observation_width_names_expected_and_actual(model_type):
    model = build(model_type, obs=8)
    with pytest.raises(ValueError, match=r"expected observation last dim 8, got \(32, 5\)"):
        model(jnp.zeros((32, 5)))
    with pytest.raises(ValueError, match=r"expected observation last dim 8, got \(\)"):
        model(jnp.zeros(()))


@pytest.mark.parametrize("model_type", MODEL_TYPES)
@pytest.mark.parametrize("name, value", [
    ("observation_space_size", 0), ("action_space_size", -2), ("action_space_size", 2.5),
    ("observation_space_size", True),
])
def test_non_positive_sizes_are_rejected(model_type, name, value):
    kwargs = {"observation_space_size": 4, "action_space_size": 3, name: value}
    with pytest.raises(ValueError, match=rf"expected {name} to be a positive integer, got {value!r}"):
        rj.Model.create(model_type, key=0, **kwargs)


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_discrete_models_refuse_continuous_options(model_type):
    with pytest.raises(ValueError, match=r"action_space applies to continuous actions only, got Box"):
        build(model_type, discrete=True, action_space=rj.Box(-1.0, 1.0))
    with pytest.raises(ValueError, match="actor_sigma_head applies to continuous actions only"):
        build(model_type, discrete=True, actor_sigma_head=True)


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_box_bounds_must_match_the_action_size(model_type):
    with pytest.raises(ValueError, match=r"expected Box bounds of length 3 \(action_space_size\) or scalars, got length 2"):
        build(model_type, act=3, action_space=rj.Box([-1.0, -1.0], [1.0, 1.0]))


def test_action_space_and_key_types_are_checked():
    with pytest.raises(TypeError, match="expected an ActionSpace"):
        build("SharedActorCritic", action_space="Box")
    with pytest.raises(TypeError, match="expected key to be nnx.Rngs or an int seed, got str"):
        build("SharedActorCritic", key="0")


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_key_decides_the_initial_parameters(model_type):
    a, b, c = build(model_type, key=1), build(model_type, key=nnx.Rngs(1)), build(model_type, key=2)
    pa, pb, pc = a.canonical_params(), b.canonical_params(), c.canonical_params()
    for name in pa:
        np.testing.assert_array_equal(pa[name], pb[name])
    assert any(not np.array_equal(pa[n], pc[n]) for n in pa)


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_unregistered_activation_runs_but_cannot_be_described(model_type):
    model = build(model_type, activation=lambda x: jnp.sin(x))
    model(observations((2,)))
    with pytest.raises(ValueError, match=r"is not registered.*register_activation"):
        model.metadata


@given(configs())
def test_metadata_rebuilds_an_equivalent_model(config):
    model_type, kwargs = config
    model = rj.Model.create(model_type, key=0, **kwargs)
    again = rj.Model.from_metadata(model_type, model.metadata)
    assert type(again) is type(model)
    assert again.metadata == model.metadata
    assert {k: v.shape for k, v in again.canonical_params().items()} == {
        k: v.shape for k, v in model.canonical_params().items()
    }


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_load_canonical_params_rejects_mismatches_and_changes_nothing(model_type):
    model = build(model_type)
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
def test_models_work_under_jit_vmap_and_grad(model_type):
    model = build(model_type, action_space=rj.Box(-1.0, 1.0))
    randomize(model)
    x = observations((5,))
    action = jnp.full((5, 3), 0.3)

    def loss(m, x):
        pi, value = m(x)
        return jnp.sum(pi.log_prob(action) + pi.entropy() + value[..., 0])

    eager = loss(model, x)
    model.reset(x.shape)
    np.testing.assert_allclose(nnx.jit(loss)(model, x), eager, rtol=1e-5)
    grads = nnx.grad(loss)(model, x)
    flat = nnx.to_flat_state(grads)
    assert {".".join(map(str, p)) for p, _ in flat} == set(model.canonical_params())
    assert all(np.all(np.isfinite(v.get_value())) for _, v in flat)
    assert any(np.any(v.get_value() != 0) for _, v in flat)

    graphdef, state = nnx.split(model)

    def value_of(state, obs):
        pi, value = nnx.merge(graphdef, state)(obs)
        return value

    per_row = jax.vmap(value_of, in_axes=(None, 0))(state, x)
    model.reset(x.shape)
    np.testing.assert_allclose(per_row[:, 0], model(x)[1][:, 0], rtol=1e-5, atol=1e-6)

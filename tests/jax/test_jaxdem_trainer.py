"""JaxDEM's PPO trainer (cdelv/JaxDEM, 531f8d8 and 5d9c13a) trains every model:
what its trainers use of a model, exercised by a PPO step of our own written the
way JaxDEM's uses the model (docs/jaxdem_training.md).

What JaxDEM's trainers do with a model, both commits unless stated:

- ``nnx.split((model, nnx.Optimizer(model, tx, wrt=nnx.Param)))``, then
  ``nnx.merge`` / ``nnx.state((model, optimizer))`` around every use, inside
  ``jax.jit`` and ``jax.lax.scan``; ``model.eval()``, ``model.train()``;
  ``nnx.value_and_grad(loss)(model, ...)`` and ``optimizer.update(model, grads)``.
- ``model.reset(shape=(E, A, 1))`` at creation; rollout steps
  ``pi, value = model(obs, sequence=False)`` with ``obs`` ``(E, A, O)``, then
  ``pi.sample_and_log_prob(seed=key)``; ``value`` ``(E, A, 1)``.
- 531f8d8: after the rollout ``model.reset(shape=obs.shape[1:], mask=done)``
  (``done`` ``(E,)``); the loss runs ``model(obs, sequence=True)`` on
  ``(T, M, O)`` from a zero carry.
- 5d9c13a: after every rollout step ``model.reset(shape=obs.shape, mask=done)``;
  at the epoch start ``model.reset(shape=(E, A, 1), mask=done)`` and the
  snapshot ``model.carry`` (None, ``(c, h)`` or ``h``), its two leading axes
  merged, as ``initial_carry`` of ``model(obs, sequence=True,
  initial_carry=..., done=done)`` in the loss (MLP models too); a bootstrap
  ``model(obs, sequence=False)`` on a merged copy; and in the loss
  ``model._log_std.value.mean()`` for every model.
- The loss: ``pi.log_prob(action)``, ``pi.entropy()``; ``value`` squeezed.
- ``CheckpointModelWriter``: ``model.metadata`` (a dict it adds
  ``model_type`` to), ``model.type_name``, ``nnx.split(model)``.
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx

import rlmodels_jax as rj
from rlmodels_common.tolerances import tolerance
from tests.backends import builders
from tests.backends.builders import MODEL_TYPES
from tests.backends.jax_backend import BACKEND

E, AGENTS, T, OBS, ACT = 3, 2, 5, 4, 3
SPACES = {"free": lambda: rj.Free(), "box_sigma": lambda: rj.Box(-2.0, 2.0), "max_norm": lambda: rj.MaxNorm(1.5)}
CASES = [(kind, space) for kind in MODEL_TYPES for space in [*SPACES, "discrete"]]
# Each model with two action spaces and each space with two models, in rotation
# (every pair would compile twice as many training programs); the attribute
# contract below runs on every pair.
ROTATED = [(kind, [*SPACES, "discrete"][(i + shift) % 4]) for shift in (0, 1) for i, kind in enumerate(MODEL_TYPES)]
EPOCHS = [pytest.param(*case, True, id=f"{case[0]}-{case[1]}-5d9c13a") for case in ROTATED] + [
    pytest.param(*case, False, id=f"{case[0]}-{case[1]}-531f8d8") for case in ROTATED[4:]
]


def build(kind: str, **kwargs) -> rj.Model:
    return builders.build(BACKEND, kind, **kwargs)


def make(kind: str, space: str, dtype: str = "float32") -> rj.Model:
    if space == "discrete":
        return build(kind, obs=OBS, act=ACT, discrete=True, dtype=dtype)
    return build(kind, obs=OBS, act=ACT, action_space=SPACES[space](), actor_sigma_head=space.endswith("sigma"), dtype=dtype)


def rollout(graphdef, state, obs, done, key, reset_every_step):
    """JaxDEM's rollout: a scan of single steps, the model merged from the state
    each step. ``obs`` ``(T, E, AGENTS, OBS)``, ``done`` ``(T, E)``."""

    def step(carry, xs):
        state, key = carry
        o, d = xs
        key, sample_key = jax.random.split(key)
        model, optimizer = nnx.merge(graphdef, state)
        pi, value = model(o, sequence=False)
        action, log_prob = pi.sample_and_log_prob(seed=sample_key)
        if reset_every_step:
            model.reset(shape=o.shape, mask=d)
        return (nnx.state((model, optimizer)), key), (action, log_prob, jnp.squeeze(value, -1))

    (state, _), out = jax.lax.scan(step, (state, key), (obs, done))
    return state, out


def segments(x: jax.Array) -> jax.Array:
    """``(T, E, AGENTS, ...)`` -> ``(T, E * AGENTS, ...)``, as JaxDEM flattens the agent axis."""
    return x.reshape(x.shape[0], x.shape[1] * x.shape[2], *x.shape[3:])


def loss(model, obs, action, old_log_prob, advantage, returns, initial_carry, done, current):
    """The clipped PPO loss, calling the model as JaxDEM's loss does."""
    if current:
        pi, value = model(obs, sequence=True, initial_carry=initial_carry, done=done)
    else:
        pi, value = model(obs, sequence=True)
    log_prob = pi.log_prob(action)
    ratio = jnp.exp(log_prob - old_log_prob)
    actor = -jnp.minimum(advantage * ratio, advantage * jnp.clip(ratio, 0.8, 1.2)).mean()
    critic = 0.5 * jnp.square(jnp.squeeze(value, -1) - returns).mean()
    entropy = pi.entropy().mean()
    aux = {"log_prob": log_prob, "entropy": entropy}
    if current:
        aux["log_std"] = model._log_std.value.mean()
    return actor + 2.0 * critic - 0.001 * entropy, aux


def epoch(graphdef, state, obs, done, key, current):
    """One PPO epoch as JaxDEM's runs it: rollout, carry handling, one update."""
    model, optimizer = nnx.merge(graphdef, state)
    model.eval()
    first_done = done[0]
    if current:
        model.reset(shape=(E, AGENTS, 1), mask=first_done)
    initial_carry = model.carry
    state = nnx.state((model, optimizer))
    state, (action, log_prob, value) = rollout(graphdef, state, obs, done, key, reset_every_step=current)
    model, optimizer = nnx.merge(graphdef, state)
    if current:
        boot, *_ = nnx.merge(graphdef, state)
        _, last_value = boot(obs[-1], sequence=False)
    else:
        model.reset(shape=obs.shape[1:], mask=first_done)
        last_value = value[-1][..., None]
    initial_carry = jax.tree.map(lambda x: x.reshape(E * AGENTS, *x.shape[2:]), initial_carry)
    seg_done = segments(jnp.broadcast_to(done[..., None], (T, E, AGENTS)))
    returns = segments(value) + 0.1
    advantage = jnp.linspace(-1.0, 1.0, T * E * AGENTS).reshape(T, E * AGENTS)
    (total, aux), grads = nnx.value_and_grad(loss, has_aux=True)(
        model, segments(obs), segments(action), segments(log_prob), advantage, returns, initial_carry, seg_done, current
    )
    model.train()
    optimizer.update(model, grads)
    return nnx.state((model, optimizer)), total, aux, grads, segments(log_prob), jnp.squeeze(last_value, -1)


def data(seed: int = 0, dtype=jnp.float32):
    rng = np.random.default_rng(seed)
    obs = jnp.asarray(rng.standard_normal((T, E, AGENTS, OBS)), dtype)
    done = jnp.asarray(rng.random((T, E)) < 0.3).at[1, 0].set(True)
    return obs, done


@pytest.mark.parametrize("kind,space,current", EPOCHS)
def test_a_jaxdem_ppo_epoch_trains_the_model(kind, space, current):
    model = make(kind, space)
    before = model.canonical_params()
    graphdef, state = nnx.split((model, nnx.Optimizer(model, optax.adam(1e-2), wrt=nnx.Param)))
    model, optimizer = nnx.merge(graphdef, state)
    model.reset(shape=(E, AGENTS, 1))
    state = nnx.state((model, optimizer))
    obs, done = data()
    state, total, aux, grads, _, last_value = jax.jit(epoch, static_argnums=(0, 5))(
        graphdef, state, obs, done, jax.random.key(0), current
    )
    assert np.isfinite(float(total)) and np.isfinite(float(aux["entropy"]))
    assert last_value.shape == (E, AGENTS)
    # Gradients reach every parameter and nothing else (the carry is not a Param).
    grad_names = {".".join(map(str, p)) for p, _ in nnx.to_flat_state(grads)}
    assert grad_names == set(before)
    model, _ = nnx.merge(graphdef, state)
    after = model.canonical_params()
    assert sorted(after) == sorted(before)
    assert any(not np.array_equal(after[k], before[k]) for k in before)
    if current:
        want = 0.0 if model.log_std is None else float(np.mean(before["log_std"]))
        assert float(aux["log_std"]) == want


@pytest.mark.parametrize("kind,space", ROTATED)
def test_the_first_minibatch_replays_the_rollout(kind, space):
    """5d9c13a's loss replays the rollout in sequence mode from the epoch's carry
    snapshot with the rollout's done flags: at unchanged parameters it must give
    the rollout's log-probabilities (PPO's ratio starts at 1). Float64, so the
    step and sequence forms are compared at the float64 tolerance."""
    with jax.enable_x64(True):
        model = make(kind, space, "float64")
        graphdef, state = nnx.split((model, nnx.Optimizer(model, optax.sgd(0.0), wrt=nnx.Param)))
        model, optimizer = nnx.merge(graphdef, state)
        model.reset(shape=(E, AGENTS, 1))
        # A carry that is not zero at the epoch start, as after an earlier epoch.
        model(jnp.ones((E, AGENTS, OBS)))
        state = nnx.state((model, optimizer))
        obs, done = data(dtype=jnp.float64)
        _, _, aux, _, rollout_log_prob, _ = jax.jit(epoch, static_argnums=(0, 5))(
            graphdef, state, obs, done, jax.random.key(0), True
        )
        err = tolerance("float64").error(aux["log_prob"], rollout_log_prob, np.abs(rollout_log_prob) + 1.0)
    assert err <= 1.0, err


@pytest.mark.parametrize("kind", MODEL_TYPES)
def test_jaxdem_compatibility_leaves_state_and_checkpoint_names_alone(kind):
    """``_log_std`` is read-only and outside nnx's state: nnx.split, the
    canonical names and the metadata are those of the model without it; the
    metadata is a fresh dict (JaxDEM's writer adds ``model_type`` to it)."""
    for space in [*SPACES, "discrete"]:
        model = make(kind, space)
        paths = {".".join(map(str, p)) for p, _ in nnx.to_flat_state(nnx.split(model)[1])}
        assert not any(p.startswith("_") or "._" in p for p in paths), paths
        assert model._log_std.value.shape == (1, ACT)
        with pytest.raises(AttributeError):
            model._log_std = None
        metadata = model.metadata
        metadata["model_type"] = model.type_name
        assert "model_type" not in model.metadata
        assert isinstance(model.type_name, str)


def test_jaxdem_log_std_reads_the_standard_deviation_parameter():
    """With ``learn_log_std=False`` (Brax's ``scalar`` std) the logged value is
    the log of the ``std`` parameter; with ``log_std`` it is that parameter."""
    model = build("ActorCritic", obs=OBS, act=ACT, learn_log_std=False)
    model.std[...] = jnp.full((1, ACT), 2.0)
    np.testing.assert_allclose(model._log_std.value, np.full((1, ACT), np.log(2.0)), rtol=1e-6)
    model = build("ActorCritic", obs=OBS, act=ACT)
    model.log_std[...] = jnp.full((1, ACT), -0.5)
    np.testing.assert_array_equal(model._log_std.value, np.full((1, ACT), -0.5, np.float32))

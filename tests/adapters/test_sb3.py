"""rlmodels.sb3: Stable-Baselines3 fine-tunes a JAX-written checkpoint, and the
result, saved and reloaded through our format, acts identically."""

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from sb3_contrib import RecurrentPPO
from sb3_contrib.common.recurrent.type_aliases import RNNStates
from stable_baselines3 import PPO

import rlmodels_torch as rt
from rlmodels import sb3 as rsb3
from rlmodels_common.carry import map_carry
from tests.adapters.checkpoints.cases import checkpoint
from tests.agree import assert_agree

ENVS = {"pendulum": "Pendulum-v1", "cartpole": "CartPole-v1"}


def make_algo(case: str, model):
    env = gym.make(ENVS[case.split("_")[0]])
    kwargs = dict(policy_kwargs={"model": model}, n_steps=64, batch_size=32, n_epochs=2, seed=0, device="cpu")
    if "lstm" in case or "mingru" in case:
        return RecurrentPPO(rsb3.RecurrentPolicy, env, **kwargs)
    return PPO(rsb3.Policy, env, **kwargs)


def act(algo, observations: np.ndarray, deterministic: bool) -> list[np.ndarray]:
    """Actions (and recurrent states) over a few steps of 4 environments, one of
    which starts a new episode midway; sampling seeded the same way each call."""
    torch.manual_seed(3)
    state, out = None, []
    for t, obs in enumerate(observations):
        starts = np.array([t == 0, False, t == 2, False])
        action, state = algo.predict(obs, state=state, episode_start=starts, deterministic=deterministic)
        out += [action] + ([] if state is None else list(state))
    return out


@pytest.mark.parametrize("case", ["pendulum_mlp", "cartpole_lstm", "pendulum_lstm", "pendulum_mingru", "cartpole_mingru"])
def test_fine_tune_save_reload_acts_identically(tmp_path, case):
    original = rt.load(checkpoint(case)).canonical_params()
    algo = make_algo(case, rt.load(checkpoint(case)))
    algo.learn(128)
    assert algo.logger.name_to_value["train/n_updates"] > 0
    tuned = algo.policy.model.canonical_params()
    assert any(not np.array_equal(original[k], tuned[k]) for k in original), "learn() changed nothing"

    path = rt.save(algo.policy.model, tmp_path / "tuned")
    reloaded = make_algo(case, path)  # a checkpoint path is accepted too
    assert type(reloaded.policy) is type(algo.policy)
    space = algo.observation_space
    bound = np.minimum(space.high, 3.0)  # CartPole's velocities are unbounded
    observations = np.random.default_rng(0).uniform(-bound, bound, (4, 4, *space.shape)).astype(np.float32)
    for deterministic in (True, False):
        for got, want in zip(act(reloaded, observations, deterministic), act(algo, observations, deterministic)):
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("case", ["pendulum_mlp", "cartpole_mlp"])
def test_the_policy_is_the_model(case):
    model = rt.load(checkpoint(case))
    policy = make_algo(case, model).policy
    obs = torch.as_tensor(np.random.default_rng(1).standard_normal((6, model.obs_dim)), dtype=torch.float32)
    with torch.no_grad():
        pi, value = model(obs)
        actions = pi.sample()
        got_value, log_prob, entropy = policy.evaluate_actions(obs, actions)
        action, _ = policy.predict(obs.numpy(), deterministic=True)
    torch.testing.assert_close(got_value, value, rtol=0, atol=0)
    torch.testing.assert_close(log_prob, pi.log_prob(actions), rtol=0, atol=0)
    torch.testing.assert_close(entropy, pi.entropy(), rtol=0, atol=0)
    np.testing.assert_array_equal(action, rt.deterministic_action(pi).numpy())


@settings(max_examples=25, deadline=None)
@given(case=st.sampled_from(["cartpole_lstm", "cartpole_mingru"]), data=st.data())
def test_recurrent_sequences_follow_sb3s_episode_starts(case, data):
    """RecurrentPPO's training view (n sequences laid end to end, episode_starts
    zeroing the state before a step) equals stepping the model with that reset."""
    model = rt.load(checkpoint(case))
    policy = make_algo(case, model).policy
    n, T = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 6))
    starts = torch.tensor(data.draw(st.lists(st.booleans(), min_size=n * T, max_size=n * T)), dtype=torch.float32)
    g = torch.Generator().manual_seed(data.draw(st.integers(0, 2**31 - 1)))
    obs = torch.randn(n * T, 4, generator=g)
    actions = torch.randint(0, 2, (n * T,), generator=g)
    layers, H = policy.lstm_actor.num_layers, policy.lstm_actor.hidden_size
    h = torch.randn(layers, n, H, generator=g)
    c = torch.randn(layers, n, H, generator=g) if case.endswith("lstm") else torch.zeros(layers, n, H)
    with torch.no_grad():
        value, log_prob, entropy = policy.evaluate_actions(obs, actions, RNNStates((h, c), (h, c)), starts)
        for s in range(n):
            carry = (c[0, s], h[0, s]) if case.endswith("lstm") else h[:, s]  # the MinGRU's (layers, features)
            for t in range(T):
                i = s * T + t
                if starts[i]:
                    carry = map_carry(torch.zeros_like, carry)
                pi, v, carry = model.step(obs[i], carry)
                assert_agree(value[i], v)
                assert_agree(log_prob[i], pi.log_prob(actions[i]))
                assert_agree(entropy[i], pi.entropy())


def test_models_that_do_not_fit_are_refused():
    box = lambda *shape: gym.spaces.Box(-1.0, 1.0, shape)  # noqa: E731

    def build(model, observation_space=box(3), action_space=box(1), policy=rsb3.Policy):
        return policy(observation_space, action_space, lambda _: 3e-4, model=model)

    with pytest.raises(ValueError, match=r"expected a Discrete\(2\) action space for this discrete model, got Box"):
        build(checkpoint("cartpole_mlp"), observation_space=box(4))
    with pytest.raises(ValueError, match=r"expected a Box action space of shape \(1,\) for this continuous model, got Discrete"):
        build(checkpoint("pendulum_mlp"), action_space=gym.spaces.Discrete(2))
    with pytest.raises(ValueError, match=r"expected a Box observation space of shape \(3,\) for ActorCritic, got Box"):
        build(checkpoint("pendulum_mlp"), observation_space=box(4))
    with pytest.raises(ValueError, match="LSTMActorCritic is recurrent: use rlmodels.sb3.RecurrentPolicy"):
        build(checkpoint("pendulum_lstm"))
    with pytest.raises(ValueError, match="MinGRUActorCritic is recurrent: use rlmodels.sb3.RecurrentPolicy"):
        build(checkpoint("pendulum_mingru"))
    with pytest.raises(ValueError, match="ActorCritic is feed-forward: use rlmodels.sb3.Policy with PPO"):
        build(checkpoint("pendulum_mlp"), policy=rsb3.RecurrentPolicy)
    with pytest.raises(ValueError, match="SB3 computes in float32, got a float64 model"):
        build(rt.with_dtype(rt.load(checkpoint("pendulum_mlp")), "float64"))


class RandomWalk(gym.Env):
    """Observations like those a Brax policy's normaliser saw (``mean + std z``),
    actions in [-1, 1]."""

    def __init__(self, mean: np.ndarray, std: np.ndarray, act: int) -> None:
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, mean.shape, np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (act,), np.float32)
        self.mean, self.std, self.rng = mean, std, np.random.default_rng(0)

    def observe(self) -> np.ndarray:
        return (self.mean + self.std * self.rng.standard_normal(self.mean.shape)).astype(np.float32)

    def reset(self, *, seed=None, options=None):
        return self.observe(), {}

    def step(self, action):
        return self.observe(), -float(np.sum(np.square(action))), bool(self.rng.random() < 0.05), False, {}


def test_a_brax_policy_keeps_training_in_sb3():
    """Imported from Brax's save_params pickle (numpy only: no tensorstore, no
    JAX here), with its normaliser, softplus std floor and plain tanh squash."""
    data = __import__("pathlib").Path(__file__).parents[1] / "brax" / "data" / "tanh_normal"
    model = rt.from_brax(data / "params.pkl", config=next((data / "run").glob("*/ppo_network_config.json")))
    before = model.canonical_params()
    env = RandomWalk(before["normalizer.mean"], before["normalizer.std"], 2)
    algo = PPO(rsb3.Policy, env, policy_kwargs={"model": model}, n_steps=64, batch_size=32, n_epochs=2, seed=0, device="cpu")
    algo.learn(128)
    after = algo.policy.model.canonical_params()
    assert algo.logger.name_to_value["train/n_updates"] > 0
    assert all(np.isfinite(v).all() for v in after.values())
    assert any(not np.array_equal(before[k], after[k]) for k in before)
    np.testing.assert_array_equal(after["normalizer.mean"], before["normalizer.mean"])  # statistics are not trained


class DictRandomWalk(gym.Env):
    """Playground-style dict observations around the normaliser's statistics:
    each key ``mean + std z``, actions in [-1, 1]."""

    def __init__(self, statistics: dict[str, tuple[np.ndarray, np.ndarray]], act: int) -> None:
        self.observation_space = gym.spaces.Dict({
            k: gym.spaces.Box(-np.inf, np.inf, mean.shape, np.float32) for k, (mean, _) in statistics.items()})  # fmt: skip
        self.action_space = gym.spaces.Box(-1.0, 1.0, (act,), np.float32)
        self.statistics, self.rng = statistics, np.random.default_rng(0)

    def observe(self) -> dict[str, np.ndarray]:
        return {k: (m + s * self.rng.standard_normal(m.shape)).astype(np.float32) for k, (m, s) in self.statistics.items()}

    def reset(self, *, seed=None, options=None):
        return self.observe(), {}

    def step(self, action):
        return self.observe(), -float(np.sum(np.square(action))), bool(self.rng.random() < 0.05), False, {}


def test_a_dict_observation_brax_policy_keeps_training_in_sb3():
    """MuJoCo Playground's split inputs: the actor reads ``state``, the critic
    ``privileged_state``; SB3 keeps the dict (its DictRolloutBuffer) and the
    model reads each key."""
    data = __import__("pathlib").Path(__file__).parents[1] / "brax" / "data" / "dict_obs"
    model = rt.from_brax(data / "params.pkl", config=next((data / "run").glob("*/ppo_network_config.json")))
    before = model.canonical_params()
    keys = ("state", "privileged_state")
    env = DictRandomWalk({k: (before[f"normalizer.{k}.mean"], before[f"normalizer.{k}.std"]) for k in keys}, 2)
    algo = PPO(rsb3.Policy, env, policy_kwargs={"model": model}, n_steps=64, batch_size=32, n_epochs=2, seed=0, device="cpu")
    algo.learn(128)
    after = algo.policy.model.canonical_params()
    assert algo.logger.name_to_value["train/n_updates"] > 0
    assert all(np.isfinite(v).all() for v in after.values())
    assert any(not np.array_equal(before[k], after[k]) for k in before if k.startswith("critic."))
    np.testing.assert_array_equal(after["normalizer.privileged_state.std"], before["normalizer.privileged_state.std"])
    obs = env.observe()
    action, _ = algo.predict(obs, deterministic=True)
    with torch.no_grad():
        want = rt.deterministic_action(algo.policy.model({k: torch.as_tensor(v)[None] for k, v in obs.items()})[0])
    np.testing.assert_allclose(action, want[0].numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match=r"expected a Dict observation space with Box\(\.\., \(19,\)\) under 'privileged_state'"):
        PPO(rsb3.Policy, DictRandomWalk({"state": (before["normalizer.state.mean"],) * 2}, 2), policy_kwargs={"model": model})

"""rlmodels.torchrl: TorchRL collects with a JAX-written checkpoint and runs a
PPO update on it, with the model's own log-probabilities and carry."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from tensordict import TensorDict
from torchrl.collectors import Collector
from torchrl.envs import ExplorationType, GymEnv, InitTracker, TransformedEnv, set_exploration_type
from torchrl.modules import set_recurrent_mode
from torchrl.objectives import ClipPPOLoss
from torchrl.objectives.value import GAE

import rlmodels_torch as rt
from rlmodels import torchrl as rtrl
from rlmodels.manifest import carry_shapes
from rlmodels_common.carry import entries, from_entries
from tests.adapters.checkpoints.cases import checkpoint
from tests.agree import assert_agree

ENVS = {"pendulum": "Pendulum-v1", "cartpole": "CartPole-v1"}
FRAMES = 64


def make_env(case: str) -> TransformedEnv:
    task = ENVS[case.split("_")[0]]
    env = TransformedEnv(GymEnv(task, categorical_action_encoding=True), InitTracker())
    env.set_seed(0)
    return env


def replay(model: rt.Model, data: TensorDict) -> torch.Tensor:
    """Log-probabilities of the collected actions from the model itself, stepped
    through the collected observations with its carry reset at each ``is_init``."""
    out = []
    with torch.no_grad():
        for t in range(data.shape[0]):
            if data["is_init"][t]:
                model.reset(data["observation"][t].shape)
            pi, _ = model(data["observation"][t])
            out.append(pi.log_prob(data["action"][t]))
    return torch.stack(out)


@pytest.mark.parametrize("case", ["pendulum_mlp", "pendulum_lstm", "cartpole_lstm", "pendulum_mingru", "cartpole_mingru"])
def test_a_ppo_update_on_a_jax_checkpoint(case):
    torch.manual_seed(0)
    model = rt.load(checkpoint(case))
    env = make_env(case)
    if rtrl.carry_keys(model):
        env.append_transform(rtrl.primer(model))
    actor, critic = rtrl.actor(model, action_spec=env.action_spec), rtrl.value_operator(model)
    # Episodes cut at 20 steps, so the batch holds resets the carry must honour.
    collector = Collector(env, actor, frames_per_batch=FRAMES, total_frames=FRAMES, max_frames_per_traj=20)
    data = next(iter(collector))
    collector.shutdown()
    assert data["is_init"].sum() >= 3
    assert_agree(data["action_log_prob"], replay(model, data), err_msg="collected log-probs are not the model's")

    # The loss sees two rows of time, the second starting mid-episode from its stored carry.
    batch = data.reshape(2, FRAMES // 2)
    loss = ClipPPOLoss(actor, critic)
    gae = GAE(gamma=0.99, lmbda=0.95, value_network=critic, deactivate_vmap=True)
    before = {k: v.copy() for k, v in model.canonical_params().items()}
    with set_recurrent_mode(True):
        with torch.no_grad():
            recomputed = actor.get_dist(batch.clone()).log_prob(batch["action"])
        gae(batch)
        losses = loss(batch)
    assert_agree(recomputed, batch["action_log_prob"], err_msg="the loss's log-probs are not the collector's")
    assert losses["mean_ratio"].item() == pytest.approx(1.0, abs=1e-5)

    optimizer = torch.optim.Adam(loss.parameters(), lr=1e-2)
    total = losses["loss_objective"] + losses["loss_critic"] + losses["loss_entropy"]
    total.backward()
    optimizer.step()
    after = model.canonical_params()
    moved = [k for k in before if not np.array_equal(before[k], after[k])]
    assert moved and all(np.isfinite(v).all() for v in after.values())
    heads = {"mlp": {"actor_mu.kernel", "critic.layers.4.kernel"}, "lstm": {"actor_mu.kernel", "critic.kernel"},
             "mingru": {"fused_head.kernel", "mingru_kernel"}}  # fmt: skip
    assert heads[case.split("_")[1]] <= set(moved)


@pytest.mark.parametrize("case", ["pendulum_lstm", "pendulum_mingru", "cartpole_mlp"])
def test_deterministic_actions_are_the_models(case):
    model = rt.load(checkpoint(case))
    env = make_env(case)
    if rtrl.carry_keys(model):
        env.append_transform(rtrl.primer(model))
    actor = rtrl.actor(model)
    td = env.reset()
    with set_exploration_type(ExplorationType.DETERMINISTIC), torch.no_grad():
        for _ in range(3):
            td = actor(td)
            pi, _ = model(td["observation"])
            torch.testing.assert_close(td["action"], rt.deterministic_action(pi), rtol=0, atol=0)
            td = env.step(td).get("next")


@pytest.mark.parametrize("case", ["cartpole_lstm", "cartpole_mingru"])
def test_a_new_episode_starts_from_zeros_whatever_the_carry_held(case):
    model = rt.load(checkpoint(case))
    params = rtrl.actor(model).module[0]
    x = torch.randn(3, 4)
    held = {key: torch.full((3, *shape), float("nan")) for key, shape in zip(rtrl.carry_keys(model), carry_shapes(model).values())}
    td = TensorDict({"observation": x, **held, "is_init": torch.ones(3, 1, dtype=torch.bool)}, [3])
    with torch.no_grad():
        params(td)
        pi, _, carry = model.step(x, model.initial_carry((3,)))
    torch.testing.assert_close(td["logits"], pi.logits)
    for key, want in zip(rtrl.carry_keys(model), entries(carry)):
        torch.testing.assert_close(td["next", key], want)


@settings(max_examples=25, deadline=None)
@given(case=st.sampled_from(["pendulum_lstm", "pendulum_mingru"]), data=st.data())
def test_recurrent_mode_runs_each_stretch_from_its_stored_carry(case, data):
    """Over time, a stretch starting at ``is_init`` (or at t = 0) starts from the
    carry stored at its first step, as ``torchrl.modules.LSTMModule`` does:
    the same as stepping the model and swapping in the stored carry there."""
    model = rt.load(checkpoint(case))
    rows, T = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 7))
    is_init = torch.tensor(data.draw(st.lists(st.lists(st.booleans(), min_size=T, max_size=T), min_size=rows, max_size=rows)))
    seed = data.draw(st.integers(0, 2**31 - 1))
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(rows, T, 3, generator=g)
    stored = tuple(torch.randn(rows, T, *shape, generator=g) for shape in carry_shapes(model).values())
    with torch.no_grad():
        pi, value = rtrl._over_time(model, x, stored, is_init)
        for r in range(rows):
            for t in range(T):
                if t == 0 or is_init[r, t]:
                    carry = from_entries(tuple(a[r, t] for a in stored))
                want_pi, want_value, carry = model.step(x[r, t], carry)
                assert_agree(pi.base_dist.base_dist.loc[r, t], want_pi.base_dist.base_dist.loc)
                assert_agree(value[r, t], want_value)


def test_feed_forward_models_have_no_carry():
    model = rt.load(checkpoint("pendulum_mlp"))
    assert isinstance(rtrl.env_transforms(model), InitTracker)
    lstm_transforms = list(rtrl.env_transforms(rt.load(checkpoint("pendulum_lstm"))))
    assert [type(t).__name__ for t in lstm_transforms] == ["InitTracker", "TensorDictPrimer"]
    assert rtrl.carry_keys(model) == []
    assert not hasattr(rtrl.actor(model).module[0], "make_tensordict_primer")
    with pytest.raises(ValueError, match="ActorCritic has no recurrent carry"):
        rtrl.primer(model)
    lstm = rt.load(checkpoint("pendulum_lstm"))
    assert rtrl.carry_keys(lstm) == ["recurrent_state_c", "recurrent_state_h"]
    specs = rtrl.primer(lstm).primers
    assert specs["recurrent_state_c"].shape == (16,) and specs["recurrent_state_h"].dtype == torch.float32
    mingru = rt.load(checkpoint("pendulum_mingru"))
    assert rtrl.carry_keys(mingru) == ["recurrent_state_h"]
    assert rtrl.primer(mingru).primers["recurrent_state_h"].shape == (2, 16)


def test_a_dict_observation_model_reads_its_keys_from_the_tensordict():
    model = rt.ActorCritic(
        {"state": 3, "privileged_state": 5}, 2, key=0, actor_architecture=[4], critic_architecture=[6],
        actor_observation_key="state", critic_observation_key="privileged_state",
    )  # fmt: skip
    td = TensorDict({"state": torch.randn(7, 3), "privileged_state": torch.randn(7, 5)}, batch_size=[7])
    actor, critic = rtrl.actor(model), rtrl.value_operator(model)
    assert set(actor.in_keys) >= {"state", "privileged_state"} and set(critic.in_keys) == {"state", "privileged_state"}
    with torch.no_grad(), set_exploration_type(ExplorationType.DETERMINISTIC):
        actor(td)
        critic(td)
        pi, value = model({"state": td["state"], "privileged_state": td["privileged_state"]})
    assert_agree(td["action"], rt.deterministic_action(pi))
    assert_agree(td["state_value"], value)
    renamed = rtrl.value_operator(model, observation_key={"state": ("obs", "s"), "privileged_state": ("obs", "p")})
    assert renamed.in_keys == [("obs", "s"), ("obs", "p")]
    with pytest.raises(ValueError, match=r"reads dict observations \(keys 'state' and 'privileged_state'\): expected "
                       r"observation_key None .* or a mapping from each of them to a tensordict key, got 'observation'"):
        rtrl.actor(model, observation_key="observation")

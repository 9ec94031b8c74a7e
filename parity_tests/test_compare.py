"""The comparison API users call: reports, dtypes, checkpoints, bad arguments."""

import numpy as np
import pytest

import rlmodels_jax as rj
import rlmodels_torch as rt
from rlmodels import compare, compare_checkpoint
from rlmodels.strategies import perturbed
from rlmodels_common.report import OUTPUTS


def pair(**kwargs):
    jax_model = rj.LSTMActorCritic(4, 2, key=0, hidden_features=5, lstm_features=6, **kwargs)
    jax_model.load_canonical_params(perturbed(jax_model.canonical_params(), 0))
    return jax_model, rt.from_jax(jax_model)


def test_report_lists_every_output_with_its_errors():
    report = compare(*pair(action_space=rj.Box(-1.0, 1.0)))
    names = [o.name for o in report.outputs]
    assert set(names) == (set(OUTPUTS) - {"logits"}) | {"gradients", "metadata"}
    assert report.ok and report["value"].max_abs < 1e-5 and report["carry"].max_abs < 1e-5
    table = str(report)
    assert "log_prob" in table and "float32: agree when |a - b| <= 1e-06 + 1e-05 * scale" in table
    assert report["carry"].count > 0
    with pytest.raises(KeyError, match="no output 'logits'"):
        report["logits"]


def test_float32_models_compare_in_float64():
    report = compare(*pair(), dtype="float64")
    assert report.dtype == "float64" and report.ok
    assert report["value"].max_abs < 1e-12  # the same math, exactly, when rounding allows


def test_compare_checkpoint(tmp_path):
    jax_model, _ = pair(discrete=True)
    rj.save(jax_model, tmp_path / "p")
    report = compare_checkpoint(tmp_path / "p")
    assert report.ok and "logits" in {o.name for o in report.outputs}


def test_models_of_different_types_are_refused():
    with pytest.raises(ValueError, match="expected two models of one type, got LSTMActorCritic and SharedActorCritic"):
        compare(pair()[0], rt.SharedActorCritic(4, 2, key=0))


def test_report_detects_a_wrong_carry_hand_over():
    jax_model, torch_model = pair()
    torch_model.c.fill_(0.5)  # a carry that is not the JAX model's
    report = compare(jax_model, torch_model, gradients=False)
    assert not report.ok and [o.name for o in report.failures()] == ["held_carry"]
    np.testing.assert_array_equal(torch_model.c.numpy(), 0.5)  # the probe gives it back afterwards


def test_a_torch_model_stepped_with_gradients_can_be_compared():
    jax_model, torch_model = pair()
    torch_model(np.ones((4, 4), np.float32))  # a training step: the carry requires grad
    jax_model(np.ones((4, 4), np.float32))
    assert torch_model.carry[0].requires_grad
    assert compare(jax_model, torch_model, gradients=False).ok


def test_a_carry_handed_over_is_compared_and_continued():
    jax_model, _ = pair()
    jax_model(np.ones((4, 4), np.float32))  # mid-episode: batch (4,), the default rollout's first shape
    report = compare(jax_model, rt.from_jax(jax_model, with_carry=True), gradients=False)
    assert report.ok and report["held_carry"].count == 2 * 4 * 6
    report = compare(jax_model, rt.from_jax(jax_model), gradients=False)  # carry left behind
    assert {"held_carry", "carry", "value"} <= {o.name for o in report.failures()}


def test_gradient_scales_are_the_near_mode_rounding_bound():
    from rlmodels_common.probe import ProbeInputs, Step
    from rlmodels_torch import probe as torch_probe

    model = rt.SharedActorCritic(3, 2, key=0, architecture=[4])
    obs, action = np.array([0.3, -1.2, 0.8]), np.array([0.7, -0.4])
    step = Step(observation=obs, action=action, noise=np.zeros(2), gradient_action=action)
    scales = torch_probe.gradient_scales(model, ProbeInputs(steps=(step,)))
    pi, _ = model(obs)
    loc, std = pi.distribution.base_dist.loc.detach().numpy(), pi.distribution.base_dist.scale.detach().numpy()
    operands = np.abs(action) + np.abs(loc)
    # actor_mu.bias moves loc one for one; log_std moves std by std
    np.testing.assert_allclose(scales["actor_mu.bias"], operands / std**2, rtol=1e-6)
    z = (action - loc) / std
    np.testing.assert_allclose(scales["log_std"][0], 2 * np.abs(z) * operands / std**2 * std, rtol=1e-6)
    assert torch_probe.gradient_scales(rt.SharedActorCritic(3, 2, key=0, discrete=True), ProbeInputs(steps=(step,))) == {}

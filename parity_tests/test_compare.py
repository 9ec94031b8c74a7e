"""The comparison API users call: reports, dtypes, checkpoints, bad arguments;
and the rule itself on hand-made probes."""

import numpy as np
import pytest

import rlmodels_jax as rj
import rlmodels_torch as rt
from rlmodels import compare, compare_checkpoint
from rlmodels.parity import oracle
from rlmodels.parity.records import OUTPUTS, Probe, Record
from rlmodels.parity.assess import build
from rlmodels_common.tolerances import REFERENCE_FACTOR, tolerance

pytestmark = pytest.mark.xdist_group("compare-api")  # one configuration: compiled once


def pair(**kwargs):
    torch_model = rt.LSTMActorCritic(4, 2, key=0, hidden_features=5, lstm_features=6, **{k: v for k, v in kwargs.items() if k != "action_space"},
                                     action_space=kwargs.get("action_space"))  # fmt: skip
    rng = np.random.default_rng(0)
    torch_model.load_canonical_params({k: (v + 0.3 * rng.standard_normal(v.shape)).astype(v.dtype) for k, v in torch_model.canonical_params().items()})
    return rj.from_torch(torch_model), torch_model


def test_report_lists_every_output_with_each_backends_distance_from_the_truth():
    report = compare(*pair(action_space=rt.Box(-1.0, 1.0)))
    names = [o.name for o in report.outputs]
    assert set(names) == (set(OUTPUTS) - {"logits"}) | {"gradients", "metadata"}
    assert report.ok and report["value"].max_abs < 1e-5 and report["carry"].max_abs < 1e-5
    assert 0 < report["loc"].reference_abs < 1e-5  # JAX in float32 is not the truth either
    table = str(report)
    assert "|jax-truth|" in table and "|torch-truth|" in table and "log_prob" in table
    assert "float32: torch agrees where |torch - truth| <= 1e-06 + 1e-05 * |truth| or <= 4 * |jax - truth|" in table
    assert report["carry"].count > 0 and report.divergence is None
    with pytest.raises(KeyError, match="no output 'logits'"):
        report["logits"]


def test_float32_models_compare_in_float64():
    report = compare(*pair(), dtype="float64")
    assert report.dtype == "float64" and report.ok
    assert report["value"].max_abs < 1e-12  # the same math, exactly, when rounding allows
    assert report["value"].reference_abs == 0  # in float64, JAX is the truth
    assert "truth = JAX in float64" in report.table()


def test_compare_checkpoint(tmp_path):
    jax_model, _ = pair(discrete=True)
    rj.save(jax_model, tmp_path / "p")
    report = compare_checkpoint(tmp_path / "p", examples=2)
    assert report.ok and "logits" in {o.name for o in report.outputs}
    assert report["value"].worst.startswith(("#0", "#1"))


def test_models_of_different_types_are_refused():
    with pytest.raises(ValueError, match="expected two models of one type, got LSTMActorCritic and SharedActorCritic"):
        compare(pair()[0], rt.SharedActorCritic(4, 2, key=0))


def test_report_detects_a_wrong_carry_hand_over():
    jax_model, torch_model = pair()
    torch_model.c.fill_(0.5)  # a carry that is not the JAX model's
    report = compare(jax_model, torch_model)
    assert not report.ok and [o.name for o in report.failures()] == ["held_carry"]
    assert report["held_carry"].drifted == "torch" and str(report.divergence) == "`held_carry`, held carry"
    np.testing.assert_array_equal(torch_model.c.numpy(), 0.5)  # the probe gives it back afterwards


def test_a_torch_model_stepped_with_gradients_can_be_compared():
    jax_model, torch_model = pair()
    torch_model(np.ones((4, 4), np.float32))  # a training step: the carry requires grad
    jax_model(np.ones((4, 4), np.float32))
    assert torch_model.carry[0].requires_grad
    assert compare(jax_model, torch_model).ok


def test_a_carry_handed_over_is_compared_and_continued():
    jax_model, _ = pair()
    jax_model(np.ones((4, 4), np.float32))  # mid-episode: batch (4,), the default rollout's first shape
    report = compare(jax_model, rt.from_jax(jax_model, with_carry=True))
    assert report.ok and report["held_carry"].count == 2 * 4 * 6
    report = compare(jax_model, rt.from_jax(jax_model))  # carry left behind
    assert {"held_carry", "carry", "value"} <= {o.name for o in report.failures()}
    assert str(report.divergence) == "`held_carry`, held carry"


def test_the_report_names_the_layer_and_step_where_torch_parts():
    jax_model, torch_model = pair()
    params = torch_model.canonical_params()
    params["cell.dense_h.kernel"] = params["cell.dense_h.kernel"] + np.float32(1e-3)
    torch_model.load_canonical_params(params)
    report = compare(jax_model, torch_model)
    # The recurrent kernel multiplies the previous h, zero at the rollout's first step.
    assert str(report.divergence) == "`cell.gates`, rollout step 1"
    assert "torch parts from the truth first at `cell.gates`, rollout step 1" in report.table()


# -- the rule, on hand-made probes -------------------------------------------------


def probe(**outputs):
    return Probe([Record("rollout", 0, {k: np.asarray(v, np.float64)[None] for k, v in outputs.items()})])


def test_the_float32_noise_of_the_reference_sets_the_tolerance_and_names_the_drift():
    tol = tolerance("float32")
    truth = probe(log_prob=[-0.17, 2.0])
    # JAX is 1e-3 off on the first entry (an ill-conditioned one): torch may be
    # up to REFERENCE_FACTOR times as far, and no further.
    reference = probe(log_prob=[-0.17 + 1e-3, 2.0])
    within = build(truth, reference, probe(log_prob=[-0.17 - 0.99 * REFERENCE_FACTOR * 1e-3, 2.0]), "float32")
    beyond = build(truth, reference, probe(log_prob=[-0.17 - 1.01 * REFERENCE_FACTOR * 1e-3, 2.0]), "float32")
    assert within.ok and not beyond.ok and beyond["log_prob"].drifted == "torch"
    # Where JAX is exact, the plain tolerance holds.
    assert not build(truth, truth, probe(log_prob=[-0.17 + 2 * float(tol.allowed(0.17)), 2.0]), "float32").ok
    # JAX far off and torch exact: torch agrees, and the report says JAX drifted.
    report = build(truth, reference, truth, "float32")
    assert report.ok and report["log_prob"].drifted == "jax" and "(jax drifted" in report.table()


def test_nothing_the_candidate_computes_widens_its_tolerance():
    truth, reference = np.array([1.0, -3.0]), np.array([1.0 + 1e-7, -3.0])
    noise = oracle.distance(reference, truth)
    allowed = oracle.allowed(truth, noise, tolerance("float32"))
    for candidate in (truth, truth + 1.0, truth * 1e6):  # whatever torch gives, the allowance is the same
        np.testing.assert_array_equal(oracle.distance(candidate, truth) / allowed, oracle.excess(candidate, truth, noise, tolerance("float32")))


def test_argmax_ties_are_judged_by_the_truths_scores():
    # Two logits equal to within float32 resolution in the truth: the float32
    # backends may pick either. Without the tie rule, torch's choice of 0 would
    # count as wrong against the truth's argmax of 1.
    scores = np.array([[1.0, 1.0 + 1e-9, -2.0]])
    tol = tolerance("float32")
    assert np.argmax(scores) == 1
    assert oracle.choice_excess(np.array([0]), scores, np.zeros_like(scores), tol)[0] <= 1
    assert oracle.choice_excess(np.array([2]), scores, np.zeros_like(scores), tol)[0] > 1  # a real difference is still caught
    truth = probe(**{"deterministic": [1], "deterministic:scores": scores})
    candidate = probe(deterministic=[0])
    assert build(truth, truth, candidate, "float32").ok
    assert not build(truth, truth, probe(deterministic=[2]), "float32").ok


def test_gradients_are_compared_per_tensor():
    # A gradient entry that sums cancelling terms of size 1e3 to about 0 is known
    # in float32 only to ~1e3 * 6e-8: compared to itself it could never agree,
    # compared within its tensor (largest entry 1e3) it does.
    truth = Probe([], {"w": np.array([1e3, 1e-7])})
    candidate = Probe([], {"w": np.array([1e3, 6e-5])})
    assert oracle.excess(candidate.gradients["w"], truth.gradients["w"], np.zeros(2), tolerance("float32"))[1] > 1
    report = build(truth, truth, candidate, "float32")
    assert report.ok and report["gradients"].count == 2
    assert not build(truth, truth, Probe([], {"w": np.array([1e3, 2e-2])}), "float32").ok


def log_density(y, loc, std, scaled_radius: bool, dtype):
    """``log N(artanh(|y| / 2) y / |y|; loc, std)``, MaxNorm(2)'s inverse under a
    Gaussian, with the radius as a plain or a scaled sum of squares: two
    formulas equal in exact arithmetic, rounded differently in float32."""
    y, loc, std = (np.asarray(a, dtype) for a in (y, loc, std))
    if scaled_radius:
        m = np.max(np.abs(y))
        squares = m * m * np.sum((y / m) ** 2)
    else:
        squares = np.sum(y * y)
    rho = np.sqrt(squares)
    z = (np.arctanh(rho / dtype(2.0)) * y / rho - loc) / std
    return float(np.sum(-0.5 * z * z - np.log(std) - dtype(0.5 * np.log(2 * np.pi))))


def test_log_densities_near_a_bound_are_known_only_to_their_sensitivity():
    # Just inside MaxNorm's radius the inverse divides by the distance to it:
    # two correct float32 implementations land far from the truth and more
    # than REFERENCE_FACTOR apart. Comparing at |log p| + sum |d log p / d a_i a_i|
    # (from the truth) accepts both.
    y = np.array([-0.3963262, 1.9602233], np.float32)
    loc, std = np.array([0.32391196, 0.9520219], np.float32), np.array([0.7541955, 0.70947635], np.float32)
    truth = log_density(y, loc, std, False, np.float64)
    jax_like, torch_like = (log_density(y, loc, std, scaled, np.float32) for scaled in (False, True))
    tol = tolerance("float32")
    assert oracle.excess(np.array([torch_like]), np.array([truth]), np.array([abs(jax_like - truth)]), tol)[0] > 1
    step = 1e-7
    sensitivity = sum(
        abs(log_density(y * (1 + step * np.eye(2)[i]), loc, std, False, np.float64) - truth) / step for i in range(2)
    )
    truth_probe = probe(**{"log_prob": [truth], "log_prob:sensitivity": [sensitivity]})
    assert build(truth_probe, probe(log_prob=[jax_like]), probe(log_prob=[torch_like]), "float32").ok
    assert build(truth_probe, probe(log_prob=[torch_like]), probe(log_prob=[jax_like]), "float32").ok
    # ... and a log-density off by more than the sensitivity allows is still caught.
    assert not build(truth_probe, probe(log_prob=[jax_like]), probe(log_prob=[truth + 2e-5 * sensitivity]), "float32").ok


def summed(w: np.ndarray, x: np.ndarray, backwards: bool) -> np.ndarray:
    """Row-wise dot products in float32, summed front to back or back to front:
    two correct float32 implementations."""
    w, x = np.asarray(w, np.float32), np.asarray(x, np.float32)
    terms = w * x
    total = np.zeros(len(w), np.float32)
    for i in reversed(range(w.shape[1])) if backwards else range(w.shape[1]):
        total = total + terms[:, i]
    return total


def test_one_reference_run_can_land_near_the_truth_by_luck():
    from rlmodels.parity.inputs import nudge
    from rlmodels_common.tolerances import REFERENCE_RUNS

    # Dot products whose terms cancel: float32 rounding dominates every result,
    # and which of two correct implementations lands closer is chance.
    rng = np.random.default_rng(0)
    w = (100 * rng.standard_normal((2000, 16))).astype(np.float32)
    x = 100 * rng.standard_normal((2000, 16))
    x = (x - np.sum(w * x, 1, keepdims=True) / np.sum(w * w, 1, keepdims=True) * w).astype(np.float32)

    def runs(w, x):
        truth = np.sum(np.float64(w) * np.float64(x), axis=1)
        return probe(value=truth), probe(value=summed(w, x, False))

    truth, reference = runs(w, x)
    torch_like = probe(value=summed(w, x, True))
    resamples = [runs(nudge(w, "float32", rng), nudge(x, "float32", rng)) for _ in range(REFERENCE_RUNS - 1)]
    once = build(truth, reference, torch_like, "float32")
    assert not once.ok  # against one run, some of torch's results look 4x worse than JAX's
    assert build(truth, reference, torch_like, "float32", resamples=resamples).ok
    # ... and the twelve runs do not hide a difference a float32 sum cannot make.
    off = probe(value=summed(w, x, True) + np.float32(1.0))
    assert not build(truth, reference, off, "float32", resamples=resamples).ok

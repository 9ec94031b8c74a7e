"""Examples fuzzing campaigns found, kept and replayed: each was a real
disagreement, fixed at its cause (``rlmodels fuzz --replay FILE`` runs one).

- ``saturated_tanh_float64.npz`` (``rlmodels fuzz --seed 1``): an ActorCritic in
  float64 with tanh, LayerNorm and an observation normaliser whose drawn std of
  -0.024 drives tanh deep into saturation. The gradient of
  ``critic.layers.0.kernel`` was 1.07x the float64 rule: both frameworks took
  tanh's derivative from its rounded output, and XLA's and torch's float64 tanh
  differ in the last bit (``rlmodels_common.activations.DERIVATIVE_FROM_INPUT``).
- ``sample_cancellation_float64.npz`` (``--seed 1`` again, after that fix): an
  ActorCritic in float64 with MaxNorm and a saturated tanh torso; a sample of
  8.6e-3 from ``loc + scale * noise`` with terms of 0.2 was 1.08x the rule while
  loc and scale were at 0.03: the rule compared it at its own size, not at the
  size of the terms it was summed from.
- ``action_from_loc_float32.npz`` (``--seed 1``, a third run): the same kind of
  model in float32; loc within the rule (0.57), the sample 1.53x: MaxNorm
  passed torch's error in loc to the sample in a direction where JAX's twelve
  float32 runs moved it less. Both are fixed by comparing an action with what
  its loc and scale are allowed, carried through the truth's bijector Jacobian
  (``assess._inherited``).
"""

from pathlib import Path

import pytest

from rlmodels.fuzz.examples import Models, load_example, run

FOUND = Path(__file__).parent / "found"


@pytest.mark.parametrize("name", sorted(p.name for p in FOUND.glob("*.npz")))
def test_an_example_a_campaign_found_now_agrees(name):
    target, example, _ = load_example(FOUND / name)
    report = run(target, Models(), example)
    assert report.ok, f"{target.label()}\n{report}"

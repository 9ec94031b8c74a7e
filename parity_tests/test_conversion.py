"""from_jax / from_torch: exact copies, bit-identical round trips, carry
hand-over mid-episode, and clear errors for what cannot convert."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import rlmodels_jax as rj
import rlmodels_torch as rt
from parity_tests.pairs import CASES, DIRECTIONS, DTYPES, FUZZ, build_pair, case_id, group, initial_params, pairs, x64
from rlmodels import compare, strategies
from rlmodels_common.carry import entries
from rlmodels_common.contract import carry_shapes


def bits(params):
    return {k: (v.dtype.name, v.shape, v.tobytes()) for k, v in params.items()}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("direction", DIRECTIONS)
@given(data=st.data())
def test_round_trips_are_bit_identical(direction, dtype, data):
    # Conversion compiles nothing: every configuration is drawn, under ci too.
    model_type, metadata = data.draw(strategies.model_configs(dtype=dtype), label="config")
    with x64(dtype):
        params = data.draw(strategies.weights(initial_params(model_type, metadata, direction)), label="weights")
        jax_model, torch_model = build_pair(model_type, metadata, params, direction)
        if direction == "jax->torch":
            original, back = jax_model, rj.from_torch(torch_model)
        else:
            original, back = torch_model, rt.from_jax(jax_model)
        assert bits(back.canonical_params()) == bits(original.canonical_params())
        assert back.metadata == original.metadata == jax_model.metadata == torch_model.metadata


HANDOVER_CASES = [c for c in CASES if c[0] == "LSTMActorCritic"][:4] + [c for c in CASES if c[0] == "MinGRUActorCritic"][:2]
if not FUZZ:  # both LSTM cells and the MinGRU (the episode runs eagerly: every op compiles per shape)
    HANDOVER_CASES = [HANDOVER_CASES[i] for i in (0, 3, 4)]


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("case", [pytest.param(c, id=case_id(c), marks=group(case_id(c))) for c in HANDOVER_CASES])
@given(data=st.data())
def test_a_policy_can_be_handed_over_mid_episode(case, direction, data):
    model_type, metadata, params, layout = data.draw(pairs(case, "float32", direction))
    # The episode is the start of the comparison's first run: the rollout goes
    # on from the carry it leaves, in the same batch shape.
    inputs = data.draw(strategies.probe_inputs(model_type, metadata, layout=layout), label="inputs")
    episode = [s.observation for s in inputs.steps[:6]]
    jax_model, torch_model = build_pair(model_type, metadata, params, direction)
    source = jax_model if direction == "jax->torch" else torch_model
    for x, step in zip(episode, inputs.steps):  # the episode starts in the source framework
        with torch.no_grad():
            source(x)
        if step.reset is not None:
            source.reset(x.shape, mask=step.reset)
    if direction == "jax->torch":
        target, fresh = rt.from_jax(source, with_carry=True), rt.from_jax(source)
    else:
        target, fresh = rj.from_torch(source, with_carry=True), rj.from_torch(source)
    for a, b in zip(entries(target.carry), entries(source.carry), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert not any(np.any(np.asarray(a)) for a in entries(fresh.carry))  # without with_carry: a fresh zero carry
    # ... and continues in the target framework exactly where it left off: the
    # comparison's rollout starts from the carry each model holds.
    report = compare(source if direction == "jax->torch" else target, target if direction == "jax->torch" else source, inputs)
    assert report.ok, f"\n{report}"
    shapes = carry_shapes(model_type, metadata)
    assert report["held_carry"].count == episode[0][..., 0].size * sum(int(np.prod(s)) for s in shapes.values())


def test_unregistered_activation_cannot_convert():
    model = rj.SharedActorCritic(3, 2, key=0, activation=lambda x: x * 0.5)
    with pytest.raises(ValueError, match=r"cannot convert this SharedActorCritic to rlmodels_torch: .*register_activation"):
        rt.from_jax(model)
    model = rt.SharedActorCritic(3, 2, key=0, activation=lambda x: x * 0.5)
    with pytest.raises(ValueError, match=r"cannot convert this SharedActorCritic to rlmodels_jax: .*register_activation"):
        rj.from_torch(model)


def test_a_user_model_registered_on_one_side_only_cannot_convert():
    @rj.Model.register("OnlyInJax")
    class OnlyInJax(rj.SharedActorCritic):
        @property
        def metadata(self):
            return super().metadata

    try:
        with pytest.raises(KeyError, match=r"cannot convert OnlyInJax to rlmodels_torch: no model is registered there under 'OnlyInJax'.*@rlmodels_torch.Model.register\('OnlyInJax'\)"):
            rt.from_jax(OnlyInJax(3, 2, key=0))
    finally:
        del rj.Model._registry["onlyinjax"]


def test_a_user_model_registered_on_both_sides_converts():
    @rj.Model.register("Twin")
    class JaxTwin(rj.SharedActorCritic):
        pass

    @rt.Model.register("Twin")
    class TorchTwin(rt.SharedActorCritic):
        pass

    try:
        converted = rt.from_jax(JaxTwin(3, 2, key=0, architecture=[4]))
        assert isinstance(converted, TorchTwin)
    finally:
        del rj.Model._registry["twin"], rt.Model._registry["twin"]


def test_conversion_rejects_other_objects():
    with pytest.raises(TypeError, match="expected an rlmodels_jax.Model, got SharedActorCritic"):
        rt.from_jax(rt.SharedActorCritic(3, 2, key=0))
    with pytest.raises(TypeError, match="expected an rlmodels_torch.Model, got dict"):
        rj.from_torch({})


def test_with_dtype_casts_exactly():
    model = rj.LSTMActorCritic(3, 2, key=0, hidden_features=4, lstm_features=5)
    with x64("float64"):
        wide = rj.with_dtype(model, "float64")
        assert wide.dtype == "float64" and wide.carry[0].dtype == np.float64
        for name, value in wide.canonical_params().items():
            np.testing.assert_array_equal(value, model.canonical_params()[name].astype(np.float64))
    torch_wide = rt.with_dtype(rt.from_jax(model), "float64")
    assert torch_wide.dtype == "float64" and torch_wide.carry[0].dtype == torch.float64

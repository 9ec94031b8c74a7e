"""save/load in torch: the bias pair folded into Flax's one bias, devices and
nn.Module casts (the shared contract is in tests/backends/test_checkpoint.py)."""

import numpy as np
import pytest
import torch

import rlmodels_torch as rt
from rlmodels_common.carry import entries
from tests.backends.builders import MODEL_TYPES, build, observations, randomize
from tests.backends.torch_backend import BACKEND
from tests.broken_checkpoints import golden


def test_a_torch_trained_bias_pair_is_folded_into_the_flax_bias(tmp_path):
    model = build(BACKEND, "LSTMActorCritic")
    randomize(model)
    with torch.no_grad():
        model.cell.bias_ih.fill_(0.25)  # e.g. weights from a plain torch LSTM
    x = observations(BACKEND, (3,))
    want = model(x)[1].detach()
    rt.save(model, tmp_path / "p")
    loaded = rt.load(tmp_path / "p")
    assert torch.all(loaded.cell.bias_ih == 0)
    np.testing.assert_allclose(loaded(x)[1].detach(), want, rtol=1e-6)


def test_load_places_and_casts_in_one_call():
    path = golden("lstm_box")
    model = rt.load(path, dtype="float64")
    assert model.dtype == "float64" and model.carry[0].dtype == torch.float64
    assert {p.dtype for p in model.parameters()} == {torch.float64}
    x = observations(BACKEND, (3,), obs=5).double()
    np.testing.assert_array_equal(model(x)[1].detach(), rt.load(path).double()(x)[1].detach())
    meta = rt.load(path, device="meta", dtype=torch.float64)  # a device that is not the CPU, on every machine
    assert {p.device.type for p in meta.parameters()} | {a.device.type for a in meta.carry} == {"meta"}
    assert meta.dtype == "float64"


@pytest.mark.parametrize("model_type", MODEL_TYPES)
def test_constructors_take_a_device(model_type):
    model = build(BACKEND, model_type, device="meta")
    assert {p.device.type for p in model.parameters()} == {"meta"}
    assert {a.device.type for a in entries(model.carry)} <= {"meta"}

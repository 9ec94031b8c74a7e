"""from_jaxdem in torch, without JAX: every JaxDEM checkpoint (both layouts)
reproduces the outputs JaxDEM's own models recorded, read directly and through
the portable checkpoint ``rlmodels import-jaxdem`` writes; JaxDEM metadata
refused by from_metadata."""

import json

import numpy as np
import pytest
import torch

import rlmodels_torch as rt
from rlmodels.cli import EXIT_OK, main
from rlmodels.jaxdem import import_jaxdem
from rlmodels_common.checkpoint_format import CheckpointError
from rlmodels_common.carry import entries, map_carry
from rlmodels_common.contract import carry_shapes
from tests.jaxdem_cases import CASES, RECURRENT, assert_reproduces, checkpoint, errors, expected


@torch.no_grad()
def rollout(model: rt.Model, want: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """JaxDEM's recording protocol: from a zero carry at batch B, step t runs on
    ``obs[t]``, then the carry is reset where ``done[t]``."""
    out: dict[str, list] = {"value": [], "log_prob": [], "entropy": [], "deterministic": []}
    obs, done = torch.as_tensor(want["obs"]), torch.as_tensor(want["done"])
    names = list(carry_shapes(model.type_name, model.metadata))
    carry = model.initial_carry(obs.shape[1:2])
    out |= {f"carry_{n}": [] for n in names}
    for t in range(obs.shape[0]):
        if names:
            pi, value, carry = model.step(obs[t], carry)
            for n, a in zip(names, entries(carry)):
                out[f"carry_{n}"].append(a)
            carry = map_carry(lambda a: torch.where(done[t].reshape(-1, *(1,) * (a.ndim - 1)), 0.0, a), carry)
        else:
            pi, value = model(obs[t])
        out["value"].append(value)
        out["log_prob"].append(pi.log_prob(torch.as_tensor(want["actions"][t])))
        out["entropy"].append(pi.entropy())
        out["deterministic"].append(rt.deterministic_action(pi))
    return {k: torch.stack(v).numpy() for k, v in out.items()}


@pytest.mark.parametrize("case", CASES)
def test_imported_model_reproduces_jaxdems_outputs(case):
    assert_reproduces(rollout(rt.from_jaxdem(checkpoint(case)), expected(case)), case)


@pytest.mark.parametrize("case", CASES)
def test_the_portable_checkpoint_reproduces_jaxdems_outputs(tmp_path, case):
    report = import_jaxdem(checkpoint(case), tmp_path / "policy", backend="torch")
    assert report.ok, report.text()
    assert_reproduces(rollout(rt.load(tmp_path / "policy"), expected(case)), case)


@pytest.mark.parametrize("case", RECURRENT)
@torch.no_grad()
def test_sequence_mode_with_resets_reproduces_jaxdems_outputs(case):
    want = expected(case)
    model = rt.from_jaxdem(checkpoint(case))
    pi, value = model(torch.as_tensor(want["obs"]), sequence=True, done=torch.as_tensor(want["done"]))
    outputs = {"value": value, "log_prob": pi.log_prob(torch.as_tensor(want["actions"])), "entropy": pi.entropy(),
               "deterministic": rt.deterministic_action(pi)}  # fmt: skip
    assert_reproduces({k: v.numpy() for k, v in outputs.items()}, case)


@pytest.mark.parametrize("case", RECURRENT)
@torch.no_grad()
def test_the_stored_carry_is_handed_over(case):
    want = expected(case)
    model, carry = rt.from_jaxdem(checkpoint(case), with_carry=True)
    for name, a in zip(carry_shapes(model.type_name, model.metadata), entries(carry)):
        np.testing.assert_array_equal(a.numpy(), want[f"saved_carry_{name}"])
    _, value, _ = model.step(torch.as_tensor(want["obs"][0, : entries(carry)[0].shape[0]]), carry)
    assert errors({"value_from_saved": value.numpy()}, case)["value_from_saved"] <= 1


def test_an_earlier_step_is_another_model():
    latest, earlier = rt.from_jaxdem(checkpoint("head/lstm_box")), rt.from_jaxdem(checkpoint("head/lstm_box"), step=3)
    assert not np.array_equal(latest.canonical_params()["actor_mu.kernel"], earlier.canonical_params()["actor_mu.kernel"])


@pytest.mark.parametrize("case", ["head/lstm_box", "seed/shared_maxnorm_sigma"])
def test_from_metadata_refuses_jaxdem_metadata_and_names_the_importer(case):
    metadata = json.loads((checkpoint(case) / "7" / "model_metadata" / "metadata").read_text())
    with pytest.raises(CheckpointError, match="JaxDEM metadata.*from_jaxdem.*import-jaxdem"):
        rt.Model.from_metadata(metadata.pop("model_type"), metadata)


def test_a_jaxdem_mingru_checkpoint_goes_to_torch_and_to_onnx(capsys, tmp_path):
    """The README recipe: import-jaxdem, export, and the ONNX file, driven as a
    runtime drives it (the carry kept outside, reset = the last step's done),
    reproduces JaxDEM's recorded rollout."""
    import onnxruntime

    case = "head/mingru_box"
    assert main(["import-jaxdem", str(checkpoint(case)), "-o", str(tmp_path / "policy")]) == EXIT_OK
    assert main(["export", str(tmp_path / "policy"), "-o", str(tmp_path / "policy.onnx")]) == EXIT_OK
    capsys.readouterr()
    want = expected(case)
    session = onnxruntime.InferenceSession(str(tmp_path / "policy.onnx"), providers=["CPUExecutionProvider"])
    B = want["obs"].shape[1]
    h, reset = np.zeros((B, 1, 8), np.float32), np.zeros(B, bool)
    out: dict[str, list] = {"value": [], "deterministic": [], "carry_h": []}
    for t in range(want["obs"].shape[0]):
        action, value, h = session.run(None, {"observation": want["obs"][t], "h": h, "reset": reset})
        out["value"].append(value)
        out["deterministic"].append(action)
        out["carry_h"].append(h)
        reset = want["done"][t]
    ratios = errors({k: np.stack(v) for k, v in out.items()}, case)
    assert max(ratios.values()) <= 1, ratios

"""Checkpoints written before the model descriptions moved to
``rlmodels_common.configs`` (commit f6b986d, ``tests/compat/make_compat.py``)
still load, with the same configuration and the same outputs."""

import json
import pathlib

import numpy as np
import pytest
import safetensors.numpy

from rlmodels_common.carry import entries

CASES = sorted(p.name for p in (pathlib.Path(__file__).parents[1] / "compat" / "f6b986d").iterdir())
ROOT = pathlib.Path(__file__).parents[1] / "compat" / "f6b986d"


@pytest.mark.parametrize("case", CASES)
def test_a_checkpoint_written_by_f6b986d_loads_and_computes_what_it_did(backend, case):
    model = backend.rb.load(ROOT / case / "checkpoint")
    stored = json.loads((ROOT / case / "checkpoint" / "config.json").read_text())
    assert model.type_name == stored["model_type"]
    # the same configuration: every stored argument, and the fields added since at their defaults
    assert {k: model.metadata[k] for k in stored["metadata"]} == stored["metadata"]
    assert model.config == type(model.config).from_metadata(stored["metadata"])
    want = safetensors.numpy.load_file(str(ROOT / case / "outputs.safetensors"))
    pi, value, carry = model.step(backend.array(want["observation"], "float32"), None)
    got = {"value": value, **{f"carry.{i}": a for i, a in enumerate(entries(carry))}}
    if model.discrete:
        got["logits"] = pi.logits
    else:
        got["loc"], got["scale"] = backend.gaussian(pi)
    assert sorted(got) == sorted(k for k in want if k != "observation")
    for name, value in got.items():
        np.testing.assert_allclose(backend.numpy(value), want[name], rtol=2e-6, atol=2e-6, err_msg=name)

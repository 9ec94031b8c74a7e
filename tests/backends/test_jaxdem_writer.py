"""Our models saved by JaxDEM's own ``CheckpointModelWriter`` (JaxDEM 5d9c13a,
written from a JaxDEM training script that swapped in ``rlmodels_jax`` models:
``tests/jaxdem/ours/README.md``) import as they are, in both backends: the
same parameters, the stored carry, the import checked by the CLI."""

import json
import pathlib
import shutil

import numpy as np
import pytest

from rlmodels.cli import EXIT_BAD_INPUT, EXIT_OK, main
from rlmodels_common.carry import entries
from rlmodels_common.jaxdem import read_directory

ROOT = pathlib.Path(__file__).parents[1] / "jaxdem" / "ours"
CASES = sorted(p.name for p in ROOT.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES)
def test_our_model_saved_by_jaxdems_writer_imports_unchanged(backend, case):
    source = read_directory(ROOT / case)
    recurrent = case.startswith(("LSTM", "MinGRU"))
    model = backend.rb.from_jaxdem(ROOT / case, with_carry=recurrent)
    model, carry = model if recurrent else (model, None)
    assert model.type_name == source.model_type
    assert {k: model.metadata[k] for k in source.metadata if k != "carry_leading_shape"} == {
        k: v for k, v in source.metadata.items() if k != "carry_leading_shape"
    }
    params = model.canonical_params()
    assert sorted(params) == sorted(k for k in source.arrays if k not in ("c", "h"))
    for name, value in params.items():
        np.testing.assert_array_equal(backend.numpy(value), source.arrays[name], err_msg=name)
    if recurrent:  # the carry at the training shape (E, A) = (4, 1) it was saved with
        stored = [source.arrays[k] for k in ("c", "h") if k in source.arrays]
        for got, want in zip(entries(carry), stored, strict=True):
            np.testing.assert_array_equal(backend.numpy(got), want)
        pi, value, _ = model.step(backend.array(np.ones((4, 1, model.obs_dim)), "float32"), carry)
        assert tuple(value.shape) == (4, 1, 1)


def test_import_jaxdem_proves_our_model_saved_by_jaxdems_writer(capsys, tmp_path):
    status = main(["import-jaxdem", str(ROOT / "LSTMActorCritic-box"), "-o", str(tmp_path / "p")])
    out = capsys.readouterr().out
    assert status == EXIT_OK and "LSTMActorCritic saved by JaxDEM's writer, names unchanged" in out
    assert "the imported model agrees" in out


def test_our_metadata_that_contradicts_the_state_is_refused_by_name(capsys, tmp_path):
    case = tmp_path / "bad"
    shutil.copytree(ROOT / "SharedActorCritic-maxnorm-sigma", case)
    path = case / "3" / "model_metadata" / "metadata"
    path.write_text(json.dumps(json.loads(path.read_text()) | {"architecture": [32, 16]}))
    status = main(["import-jaxdem", str(case), "-o", str(tmp_path / "p")])
    err = capsys.readouterr().err
    assert status == EXIT_BAD_INPUT and "saved by JaxDEM's writer" in err and "network.layers.2.kernel" in err
    assert not (tmp_path / "p").exists()

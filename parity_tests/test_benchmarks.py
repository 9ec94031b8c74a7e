"""``python -m benchmarks`` still runs: every workload is built, checked to
compute what its baseline computes, and timed (one tiny round each; the
numbers mean nothing here, performance is measured by running the script)."""

from benchmarks import run


def test_every_table_builds_and_its_implementations_agree(tmp_path):
    tables = [
        run.torch_tables(rounds=1, seconds=0.001, batches=[1, 3]).markdown(),
        run.jax_table(rounds=1, seconds=0.001, batches=[1, 3]).markdown(),
        run.export_table(rounds=1, seconds=0.001).markdown(),
        "\n".join(run.conversion_lines(repeats=1)),
        "\n".join(run.import_lines(repeats=1)),
    ]
    text = "\n\n".join(tables)
    for row in ("MLP act, batch 3", "LSTM act step, batch 1", "LSTM sequence", "ONNX (onnxruntime)",
                "rlmodels_torch.from_jax", "import rlmodels_torch"):  # fmt: skip
        assert row in text, row
    assert "JAX modules imported: none" in text

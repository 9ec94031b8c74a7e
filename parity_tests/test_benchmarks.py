"""``python -m benchmarks`` still runs: every workload is built, checked to
compute what its baseline computes, and timed (one tiny round each; the
numbers mean nothing here, performance is measured by running the script)."""

import torch

from benchmarks import export, run


def test_every_table_builds_and_its_implementations_agree():
    # One torch thread: next to XLA's threads in one process, torch's pool makes
    # small ops 10 to 100 times slower, and nothing here is a timing.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        tables = _tables()
    finally:
        torch.set_num_threads(threads)
    text = "\n\n".join(tables)
    for row in ("MLP act, batch 1", "LSTM act step, batch 1", "LSTM sequence", "| MinGRU step (64 -> 128, 1 layer) | 1 | onnx |",
                "rlmodels_torch.from_jax", "import rlmodels_torch"):  # fmt: skip
        assert row in text, row
    assert "JAX modules imported: none" in text


def _tables() -> list[str]:
    return [
        run.torch_tables(rounds=1, seconds=0.001, batches=[1]).markdown(),
        run.jax_table(rounds=1, seconds=0.001, batches=[1]).markdown(),
        # the compiled .pt2 is left out: its compiles take minutes (python -m benchmarks.export runs it)
        export.run(rounds=1, seconds=0.001, batches=[1], formats=("onnx", "torchscript")),
        "\n".join(run.conversion_lines(repeats=1)),
        "\n".join(run.import_lines(repeats=1)),
    ]

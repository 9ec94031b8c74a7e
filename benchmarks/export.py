"""``python -m benchmarks.export [--quick] [--out FILE]``: the latency of every
export of ours (ONNX, compiled ``.pt2``, TorchScript) against the same network
written by hand (``handwritten_deploy.py``) and exported the same way, at batch
1, 256 and 4096, in one process, interleaved; writes its section of
``benchmarks/results.md`` (the other sections are kept).

"The same way": the hand-written module goes through the public calls a careful
engineer makes (``torch.onnx.export(..., dynamo=True)`` with its defaults: opset
20 and onnxscript's optimizer; ``torch.export`` then
``torch._inductor.aoti_compile_and_package``; ``torch.jit.trace``). Every runtime
runs on one thread (torch, the compiled package's kernels, onnxruntime): on a
shared 2-core machine a second thread mostly measures the neighbours. Before
timing, each file's outputs are checked against the hand-written file's.
"""

from __future__ import annotations

import argparse
import collections
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .machine import describe
from .timing import interleaved, paired_ratio

BEGIN = "<!-- export: written by python -m benchmarks.export -->"
END = "<!-- end export -->"
OBS, ACT, MLP, HIDDEN, RECURRENT = 32, 4, [64, 64], 64, 128
FORMATS = ("onnx", "pt2", "torchscript")
WITHIN = 1.10


def workloads() -> dict[str, tuple[Any, dict[str, Any]]]:
    """Name -> (our model, {label: hand-written module}); the first label is the baseline."""
    import rlmodels_torch as rt

    from . import handwritten_deploy as hd

    mlp = rt.ActorCritic(OBS, ACT, key=0, actor_architecture=MLP, critic_architecture=MLP, action_space=rt.Box(-1.0, 1.0))
    lstm = rt.LSTMActorCritic(OBS, ACT, key=0, hidden_features=HIDDEN, lstm_features=RECURRENT)
    mingru = rt.MinGRUActorCritic(OBS, ACT, key=0, hidden_features=HIDDEN, gru_features=RECURRENT)
    for model in (mlp, lstm, mingru):  # trained weights have no zero biases for an exporter to drop
        rng = np.random.default_rng(0)
        params = model.canonical_params()
        model.load_canonical_params({k: (v + 0.1 * rng.standard_normal(v.shape)).astype(v.dtype) if k.endswith("bias") else v
                                     for k, v in params.items()})  # fmt: skip
    return {
        "MLP (ActorCritic [64, 64], Box)": (mlp, {"hand-written": hd.MLPPolicy(mlp)}),
        "LSTM step (64 -> 128)": (lstm, {
            "hand-written nn.LSTMCell": hd.LSTMCellPolicy(lstm),
            "hand-written nn.LSTM one step (rsl_rl's; information)": hd.LSTMSequencePolicy(lstm),
        }),
        "MinGRU step (64 -> 128, 1 layer)": (mingru, {"hand-written": hd.MinGRUPolicy(mingru)}),
    }  # fmt: skip


def export_by_hand(module: Any, model: Any, names: tuple[list[str], list[str]], path: Path, fmt: str) -> None:
    """``module`` exported to ``fmt`` with the public calls and their defaults; a
    compiled package with the tuning ``rlmodels export`` applies by default (its
    matrix multiplies autotuned at batch 2: ``--tune-batch 1``)."""
    import torch

    from rlmodels import export as ex
    from rlmodels.export.compiled import TUNING

    sig = ex.signature(model)
    args = ex.example_inputs(model, sig, 2 if fmt == "pt2" else 3)
    batch = torch.export.Dim("batch", min=1)
    dynamic = tuple({0: batch} for _ in args)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if fmt == "onnx":
            torch.onnx.export(module.eval(), args, str(path), input_names=names[0], output_names=names[1],
                              dynamic_shapes=dynamic, dynamo=True, verbose=False)  # fmt: skip
        elif fmt == "pt2":
            program = torch.export.export(module.eval(), args, dynamic_shapes=dynamic)
            torch._inductor.aoti_compile_and_package(program, package_path=str(path), inductor_configs=dict(TUNING))
        else:
            torch.jit.save(torch.jit.trace(module.eval(), args, check_trace=False), str(path))


def callers(path: Path, fmt: str, names: list[str], args: tuple[Any, ...], wrapper: bool = False) -> dict[str, Callable[[], Any]]:
    """How each runtime is called from Python: ``{suffix: call}``. A compiled
    package is called through its loader's ``run`` (what C++ calls) and, as
    information, through ``aoti_load_package``'s wrapper (which parses its call
    spec on every call)."""
    import onnxruntime
    import torch

    from rlmodels.export import load

    if fmt == "onnx":
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        feeds = {n: a.numpy() for n, a in zip(names, args)}
        return {"": lambda: session.run(None, feeds)}
    loaded = load(path, fmt)
    if fmt == "pt2":
        flat = list(args)
        calls = {"": lambda: loaded.loader.run(flat)}
        if wrapper:
            calls[" via aoti_load_package()(...) (information)"] = lambda: loaded(*args)
        return calls
    return {"": lambda: loaded(*args)}


def onnx_ops(path: Path) -> collections.Counter:
    import onnx

    return collections.Counter(n.op_type for n in onnx.load(str(path)).graph.node)


def run(rounds: int, seconds: float, batches: list[int], formats: tuple[str, ...] = FORMATS) -> str:
    import torch

    from rlmodels import export as ex

    torch.set_num_threads(1)
    rows: list[str] = []
    nodes: list[str] = []
    compile_s: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, (model, hands) in workloads().items():
            sig = ex.signature(model)
            names = sig.names()
            files: dict[tuple[str, str], Path] = {}
            for fmt in formats:
                extra = [("rlmodels --tune-batch 4096 (information)", None)] if fmt == "pt2" else []
                for who, module in [("rlmodels", None), *hands.items(), *extra]:
                    path = Path(tmp) / f"{len(nodes)}-{len(files)}{'.onnx' if fmt == 'onnx' else '.pt2' if fmt == 'pt2' else '.pt'}"
                    start = time.perf_counter()
                    if module is None:
                        ex.export(model, path, fmt, tune_batch=4096 if "4096" in who else 1)
                    else:
                        export_by_hand(module, model, names, path, fmt)
                    if fmt == "pt2":
                        compile_s.append(f"{who} {label}: {time.perf_counter() - start:.0f} s")
                    files[(fmt, who)] = path
            base = next(iter(hands))
            ours_ops, hand_ops = onnx_ops(files[("onnx", "rlmodels")]), onnx_ops(files[("onnx", base)])
            nodes.append(f"| {label} | {sum(hand_ops.values())} | {sum(ours_ops.values())} | "
                         f"{', '.join(f'{k} {v}' for k, v in sorted(ours_ops.items()))} |")  # fmt: skip
            policy = ex.deployed(model, sig)
            for b in batches:
                args = ex.example_inputs(model, sig, b, seed=b)
                impls: dict[str, Callable[[], Any]] = {"eager torch, rlmodels deployed step (information)": lambda a=args: policy(*a)}
                for (fmt, who), path in files.items():
                    for suffix, call in callers(path, fmt, names[0], args, wrapper=who == "rlmodels").items():
                        impls[f"{fmt}, {who}{suffix}"] = call
                with torch.inference_mode():
                    want = [np.asarray(t) for t in impls[f"onnx, {base}"]()]
                    for name, call in impls.items():
                        got = [np.asarray(t) for t in call()]
                        if not all(np.allclose(g, w, rtol=1e-4, atol=1e-5 * (1 + np.abs(w).max())) for g, w in zip(got, want)):
                            raise AssertionError(f"{label} batch {b}: {name} disagrees with the hand-written ONNX file")
                    t = interleaved(impls, rounds, seconds)
                rows.append(f"| {label} | {b} | eager torch (information) | | {t[next(iter(impls))].median_us:,.1f} | | |")
                for fmt in formats:
                    hand = t[f"{fmt}, {base}"]
                    ratio = paired_ratio(t[f"{fmt}, rlmodels"], hand)
                    verdict = "met" if ratio <= WITHIN else "MISSED"
                    rows.append(f"| {label} | {b} | {fmt} | {hand.median_us:,.1f} | {t[f'{fmt}, rlmodels'].median_us:,.1f} | "
                                f"{ratio:.2f}x | <= {WITHIN:.2f}x: {verdict} |")  # fmt: skip
                    for name, timing in t.items():
                        if name.startswith(f"{fmt}, ") and "information" in name:
                            rows.append(f"| {label} | {b} | {name} | | {timing.median_us:,.1f} | {paired_ratio(timing, hand):.2f}x | |")
                if b == 1 and "pt2" in formats:
                    ratio = paired_ratio(t["pt2, rlmodels"], t["onnx, rlmodels"])
                    rows.append(f"| {label} | 1 | our pt2 against our onnx | | | {ratio:.2f}x | <= 1.00x: "
                                f"{'met' if ratio <= 1.0 else 'MISSED'} |")  # fmt: skip
    return "\n".join([
        "| workload | batch | format | hand-written µs | rlmodels µs | ratio | target |",
        "|---|---:|---|---:|---:|---:|---|", *rows, "",
        "ONNX graph nodes (opset 20, float32):", "",
        "| workload | hand-written | rlmodels | rlmodels ops |", "|---|---:|---:|---|", *nodes, "",
        f"AOTInductor compile times: {'; '.join(compile_s) or 'none compiled'}.",
    ])  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.export", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results.md"), help="markdown file to update")
    args = parser.parse_args(argv)
    rounds, seconds = (5, 0.02) if args.quick else (21, 0.05)
    started = time.perf_counter()
    table = run(rounds, seconds, [1, 256, 4096])
    section = "\n".join([
        BEGIN, "### Exports: rlmodels against hand-written, each format", "",
        f"`python -m benchmarks.export{' --quick' if args.quick else ''}`: {rounds} interleaved rounds of "
        f"~{seconds * 1e3:.0f} ms per implementation, median per call, one thread everywhere (torch, the compiled "
        f"package, onnxruntime); ratio = the median over rounds of rlmodels / hand-written in the same format "
        f"(both timed in every round). Took "
        f"{time.perf_counter() - started:.0f} s.", "",
        *[f"- {line}" for line in describe()], "", table, END,
    ])  # fmt: skip
    print(section)
    out = Path(args.out)
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    if BEGIN in old:
        old = old[: old.index(BEGIN)] + old[old.index(END) + len(END) :].lstrip("\n")
    out.write_text(old.rstrip("\n") + "\n\n" + section + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

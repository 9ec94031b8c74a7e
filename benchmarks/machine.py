"""The machine and library versions a benchmark ran on."""

from __future__ import annotations

import importlib.metadata
import os
import platform


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe() -> list[str]:
    """Lines naming the CPU, cores, OS, Python and the library versions."""
    import torch

    versions = []
    for package in ("torch", "jax", "jaxlib", "flax", "distrax", "numpy", "onnxruntime", "onnxscript"):
        try:
            versions.append(f"{package} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    return [
        f"CPU: {cpu_name()}, {os.cpu_count()} cores visible, torch threads {torch.get_num_threads()}",
        f"OS: {platform.system()} {platform.release()}; Python {platform.python_version()}",
        f"Libraries: {', '.join(versions)}",
    ]

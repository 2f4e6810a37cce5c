"""Benchmark of `lrnn.torch.NeuraLogic`, an LRNN template as a layer inside a torch model.

Cases:
- per-step: the XOR training step (Linear(2, 8) -> Tanh -> layer -> Tanh, MSE loss, SGD)
  with lrnn's module as the layer, with a plain ``nn.Linear(8, 1, bias=False)`` in its
  place (the baseline), and with PyNeuraLogic's module when ``neuralogic`` is installed.
- batched: one forward and backward pass of the lrnn module and of ``nn.Linear(8, 1)``
  over B = 1, 64 and 4096 input rows.

Before timing, each lrnn case is checked against the plain torch layer with copied weights.

Usage:
    python benchmarks/torch_integration.py [--quick] [--device cpu] [--json]
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import time
from pathlib import Path

import torch

from lrnn import F, R, Template
from lrnn.torch import NeuraLogic

RESULTS = Path(__file__).parent / "results"
XOR_POINTS = [([0.0, 0.0], 0.0), ([0.0, 1.0], 1.0), ([1.0, 0.0], 1.0), ([1.0, 1.0], 0.0)]


def xor_template() -> Template:
    template = Template()
    template += (R.xor[1, 8] <= R.xy) | [F.identity]
    template += R.xor / 0 | [F.identity]
    return template


def lrnn_layer(device) -> NeuraLogic:
    return NeuraLogic(xor_template(), [R.xy[8,]], R.xor, lambda x: [R.xy[x]]).to(device)


def synchronize(device) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize()


def median_times(fns, repeats: int, number: int, device) -> list[float]:
    """Median seconds per call of each function in `fns`.

    Each repeat times `number` calls of every function in turn, so load from other
    processes affects all of them alike and the ratios stay comparable.
    """
    for fn in fns:
        fn()
    synchronize(device)
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, samples in zip(fns, times):
            start = time.perf_counter()
            for _ in range(number):
                fn()
            synchronize(device)
            samples.append((time.perf_counter() - start) / number)
    return [statistics.median(samples) for samples in times]


# -- per-step --
def make_step(layer, device, target_shape):
    """Build a function that runs one XOR training step per call, cycling through the four points."""
    model = torch.nn.Sequential(torch.nn.Linear(2, 8, bias=False), torch.nn.Tanh(), layer, torch.nn.Tanh())
    model.to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = torch.nn.MSELoss()
    data = [(torch.tensor(x, device=device), torch.tensor(y, device=device).reshape(target_shape))
            for x, y in XOR_POINTS]
    position = [0]

    def step():
        x, y = data[position[0] % 4]
        position[0] += 1
        out = model(x)
        loss(out, y).backward()
        optimizer.step()
        optimizer.zero_grad()

    return step


def neuralogic_layer():
    """PyNeuraLogic's module on the same template, or None with the reason when it cannot run."""
    try:
        from neuralogic.core import F as RF
        from neuralogic.core import Model as ReferenceTemplate
        from neuralogic.core import R as RR
        from neuralogic.nn.torch_function import NeuraLogic as ReferenceNeuraLogic
    except ImportError as error:
        return None, f"neuralogic is not installed ({error}); pip install neuralogic"
    template = ReferenceTemplate()
    template += (RR.xor[1, 8] <= RR.xy) | [RF.identity]
    template += RR.xor / 0 | [RF.identity]
    try:
        return ReferenceNeuraLogic(template, [RR.xy[8,]], RR.xor, lambda x: [RR.xy[x]]), None
    except Exception as error:  # noqa: BLE001 - the JVM backend can fail in many ways; report and skip
        return None, f"neuralogic failed to build the module: {error}"


def check_layer_matches_linear(device) -> None:
    layer = lrnn_layer(device).double()
    linear = torch.nn.Linear(8, 1, bias=False).to(device).double()
    with torch.no_grad():
        linear.weight.copy_(next(iter(layer.model.weights.values())))
    x = torch.randn(64, 8, dtype=torch.float64, device=device)
    torch.testing.assert_close(layer(x), linear(x).squeeze(-1))


def per_step(device, repeats: int, number: int) -> list[dict]:
    layers = {"nn.Linear(8, 1)": (torch.nn.Linear(8, 1, bias=False), (1,)),
              "lrnn NeuraLogic": (lrnn_layer(device), ())}
    if torch.device(device).type != "cpu":
        print("skipped PyNeuraLogic: its module runs on the CPU only")
    else:
        layer, reason = neuralogic_layer()
        if layer is None:
            print(f"skipped PyNeuraLogic: {reason}")
        else:
            layers["PyNeuraLogic NeuraLogic"] = (layer, ())
    steps = [make_step(layer, device, target_shape) for layer, target_shape in layers.values()]
    seconds = median_times(steps, repeats, number, device)
    return [{"case": "per-step", "layer": name, "seconds": t, "ratio": t / seconds[0]}
            for name, t in zip(layers, seconds)]


# -- batched --
def batched(device, sizes, repeats: int, number: int) -> list[dict]:
    rows = []
    layer = lrnn_layer(device)
    linear = torch.nn.Linear(8, 1, bias=False).to(device)
    for size in sizes:
        x = torch.randn(size, 8, device=device, requires_grad=True)
        baseline, measured = median_times([lambda x=x: linear(x).sum().backward(),
                                           lambda x=x: layer(x).sum().backward()], repeats, number, device)
        rows.append({"case": f"batched B={size}", "layer": "nn.Linear(8, 1)", "seconds": baseline, "ratio": 1.0})
        rows.append({"case": f"batched B={size}", "layer": "lrnn NeuraLogic", "seconds": measured,
                     "ratio": measured / baseline})
    return rows


# -- report --
def markdown(rows) -> str:
    lines = ["| case | layer | median per call (us) | ratio to nn.Linear |", "| --- | --- | ---: | ---: |"]
    for row in rows:
        lines.append(f"| {row['case']} | {row['layer']} | {row['seconds'] * 1e6:.1f} | {row['ratio']:.2f} |")
    return "\n".join(lines)


def git_commit() -> str | None:
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                                cwd=Path(__file__).parent)
    except (OSError, subprocess.CalledProcessError):
        return None
    return result.stdout.strip()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats, for a smoke run (numbers are noisy)")
    parser.add_argument("--device", default="cpu", help="torch device of the models (default: cpu)")
    parser.add_argument("--json", action="store_true", help="write results to benchmarks/results/")
    args = parser.parse_args(argv)
    repeats, number = (3, 20) if args.quick else (7, 300)
    sizes = [1, 64, 4096]

    check_layer_matches_linear(args.device)
    rows = per_step(args.device, repeats, number) + batched(args.device, sizes, repeats, number)
    print(markdown(rows))
    if args.json:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / "torch_integration.json"
        meta = {"torch": torch.__version__, "device": args.device, "commit": git_commit(),
                "machine": platform.processor() or platform.machine(), "threads": torch.get_num_threads(),
                "repeats": repeats, "calls_per_repeat": number}
        path.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()

"""Run the benchmarks and report them: `python -m benchmarks [--quick] [--only NAME...] [--json] [--plot]`.

Benchmarks (names for `--only`):

- `mutagenesis`: GCN, GraphSAGE and GIN training on Mutagenesis in lrnn, PyTorch Geometric,
  plain torch (sparse and dense) and PyNeuraLogic, plus lrnn building from the text files.
- `scaling`: GCN on 1k, 10k and 100k synthetic molecules in lrnn, PyG and plain torch sparse.
- `grounding`: transitive closure grounded by lrnn and by clingo (`benchmarks/grounding.py`).
- `torch_integration`: `lrnn.torch.NeuraLogic` as a layer (`benchmarks/torch_integration.py`).

Full mode runs every e2e configuration in a fresh process (`python -m benchmarks.e2e`) so
that build times and peak memory are those of a new process. `--quick` runs everything in
this process on toy sizes (20 Mutagenesis graphs, 50 synthetic graphs, one timed epoch) so
CI can check that no benchmark rots; its numbers mean nothing.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import torch

from benchmarks.common import RESULTS, markdown_table, save

REPOSITORY = Path(__file__).resolve().parents[1]
BENCHMARKS = ("mutagenesis", "scaling", "grounding", "torch_integration")
MODELS = ("gcn", "sage", "gin")
MUTAGENESIS_SYSTEMS = ("torch-sparse", "torch-dense", "pyg", "lrnn", "lrnn-text", "pyneuralogic")
SCALING_SYSTEMS = ("torch-sparse", "pyg", "lrnn")
SCALING_SIZES = (1_000, 10_000, 100_000)
E2E_COLUMNS = ["model", "system", "batch", "build s", "epoch ms", "min ms", "max ms", "torch sparse ms",
               "ratio", "peak MiB"]
SCALING_COLUMNS = ["graphs", "system", "build s", "epoch ms", "min ms", "max ms", "ratio", "peak MiB"]


def parse_arguments(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="toy sizes, in this process, one timed epoch: a smoke run for CI")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS), metavar="NAME",
                        help=f"benchmarks to run, from: {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--json", action="store_true", help="write the results to benchmarks/results/benchmarks.json")
    parser.add_argument("--plot", action="store_true",
                        help="plot epoch and build times per system to benchmarks/results/*.png (needs matplotlib)")
    parser.add_argument("--device", default="cpu", help="torch device of lrnn, PyG and plain torch (default: cpu)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads of every configuration (default: 2)")
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS), help="Mutagenesis models")
    parser.add_argument("--sizes", nargs="+", type=int, default=list(SCALING_SIZES),
                        help="graph counts of the scaling benchmark (default: 1000 10000 100000)")
    parser.add_argument("--timeout", type=float, default=240.0,
                        help="seconds one full-mode configuration may run before it is stopped (default: 240)")
    return parser.parse_args(argv)


# -- configurations --
def mutagenesis_configs(args) -> list[dict]:
    if args.quick:
        repeats, build_repeats = {"full": 1, "32": 1, "1": 1}, 1
    else:
        repeats, build_repeats = {"full": 30, "32": 10, "1": 3}, 3
    configs = []
    for model in args.models:
        for system in MUTAGENESIS_SYSTEMS:
            config = {"workload": "mutagenesis", "system": system, "model": model, "repeats": repeats,
                      "build_repeats": 1 if system == "pyneuralogic" and args.quick else build_repeats,
                      "warmup": 1, "baseline": system != "torch-sparse", "device": args.device,
                      "threads": args.threads}
            if args.quick:
                config["num_graphs"] = 20
            configs.append(config)
    return configs


def scaling_configs(args) -> list[dict]:
    sizes = [50] if args.quick else args.sizes
    configs = []
    for size in sizes:
        for system in SCALING_SYSTEMS:
            configs.append({"workload": "scaling", "system": system, "model": "gcn", "num_graphs": size,
                            "batch_sizes": ["full"], "repeats": {"full": 1 if args.quick else (3 if size > 10_000
                                                                                               else 10)},
                            "build_repeats": 1, "warmup": 1, "baseline": False, "device": args.device,
                            "threads": args.threads})
    return configs


# -- running --
def run_in_process(config: dict) -> list[dict]:
    from benchmarks.e2e import run_config

    return run_config(config)


def run_in_subprocess(config: dict, timeout: float) -> list[dict]:
    """Run one configuration in a fresh Python process; a failure becomes a row with the reason."""
    command = [sys.executable, "-m", "benchmarks.e2e", json.dumps(config)]
    start = time.perf_counter()
    try:
        result = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return [failed_row(config, f"stopped after {timeout:.0f} s (--timeout)")]
    for line in result.stdout.splitlines():
        if line.startswith("RESULT "):
            rows = json.loads(line[len("RESULT "):])
            for row in rows:
                row["process_s"] = time.perf_counter() - start
            return rows
    tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
    return [failed_row(config, f"exit status {result.returncode}: {' / '.join(tail)}")]


def failed_row(config: dict, reason: str) -> dict:
    return {"workload": config["workload"], "model": config["model"], "system": config["system"],
            "graphs": config.get("num_graphs"), "batch": "-", "error": reason}


def run_configs(configs: list[dict], args, skipped: list[str]) -> list[dict]:
    from benchmarks.e2e import missing_package

    rows = []
    reasons: dict[str, str] = {}
    for config in configs:
        system = config["system"]
        if system not in reasons:
            reasons[system] = missing_package(system)
            if reasons[system]:
                skipped.append(f"{system}: {reasons[system]}")
        if reasons[system]:
            continue
        label = f"{config['workload']} {config['model']} {system}"
        if config.get("num_graphs") and config["workload"] == "scaling":
            label += f" {config['num_graphs']} graphs"
        print(f"running {label}", file=sys.stderr, flush=True)
        if args.quick:
            found = run_in_process(config)
        else:
            found = run_in_subprocess(config, args.timeout)
        for row in found:
            if "error" in row:
                print(f"  failed: {row['error']}", file=sys.stderr)
        rows.extend(found)
    return rows


# -- report --
def e2e_table(rows: list[dict]) -> str:
    lines = []
    for row in rows:
        lines.append({"model": row["model"], "system": row["system"], "batch": row.get("batch", "-"),
                      "build s": row.get("build_s", row.get("error", "")), "epoch ms": row.get("epoch_ms", ""),
                      "min ms": row.get("epoch_min_ms", ""), "max ms": row.get("epoch_max_ms", ""),
                      "torch sparse ms": row.get("baseline_ms", ""),
                      "ratio": row.get("ratio", 1.0 if row["system"] == "torch-sparse" and "epoch_ms" in row else ""),
                      "peak MiB": row.get("peak_rss_mib", "")})
    return markdown_table(lines, E2E_COLUMNS)


def scaling_table(rows: list[dict]) -> str:
    baseline = {row["graphs"]: row["epoch_ms"] for row in rows if row["system"] == "torch-sparse" and "epoch_ms" in row}
    lines = []
    for row in rows:
        ratio = row["epoch_ms"] / baseline[row["graphs"]] if "epoch_ms" in row and row["graphs"] in baseline else ""
        lines.append({"graphs": row["graphs"], "system": row["system"],
                      "build s": row.get("build_s", row.get("error", "")), "epoch ms": row.get("epoch_ms", ""),
                      "min ms": row.get("epoch_min_ms", ""), "max ms": row.get("epoch_max_ms", ""),
                      "ratio": ratio, "peak MiB": row.get("peak_rss_mib", "")})
    return markdown_table(lines, SCALING_COLUMNS)


def _find(rows, **keys) -> dict | None:
    for row in rows:
        if all(row.get(k) == v for k, v in keys.items()) and "error" not in row:
            return row
    return None


def _normalised(row: dict | None) -> float | None:
    """Epoch time divided by the plain torch sparse epoch of the same process (1.0 for torch sparse itself)."""
    if row is None or "epoch_ms" not in row:
        return None
    if row["system"] == "torch-sparse":
        return 1.0
    return row.get("ratio")


def goal_rows(mutagenesis: list[dict], scaling: list[dict]) -> list[dict]:
    """List each goal with the measured figure and whether it is met.

    Ratios between two systems divide their ratios to the torch sparse baseline of their own
    process, so machine load that differs between the two processes cancels out.
    """
    goals = []

    def add(goal, value, limit, unit="x"):
        if value is None:
            goals.append({"goal": goal, "measured": "not measured", "limit": f"{limit}{unit}", "met": ""})
            return
        goals.append({"goal": goal, "measured": f"{value:.3g}{unit}", "limit": f"<= {limit}{unit}",
                      "met": "yes" if value <= limit else "no"})

    for model in MODELS:
        lrnn = {b: _find(mutagenesis, system="lrnn", model=model, batch=b) for b in ("full", 32, 1)}
        pyg = {b: _find(mutagenesis, system="pyg", model=model, batch=b) for b in ("full", 32)}
        if not any(lrnn.values()):
            continue
        add(f"{model} full batch: lrnn / torch sparse", _normalised(lrnn["full"]), 1.0)
        add(f"{model} full batch: lrnn / pre-collated PyG", _divide(_normalised(lrnn["full"]),
                                                                      _normalised(pyg["full"])), 1.0)
        add(f"{model} batch 32: lrnn / PyG DataLoader", _divide(_normalised(lrnn[32]), _normalised(pyg[32])), 0.5)
        add(f"{model} batch 1: lrnn / torch sparse", _normalised(lrnn[1]), 1.0)
        neuralogic = _find(mutagenesis, system="pyneuralogic", model=model)
        built = _find(mutagenesis, system="lrnn", model=model)
        add(f"{model} build: lrnn / PyNeuraLogic", _divide(built and built["build_s"],
                                                             neuralogic and neuralogic["build_s"]), 0.05)
    largest = max((row["graphs"] for row in scaling if row["system"] == "lrnn"), default=None)
    if largest is not None:
        lrnn = _find(scaling, system="lrnn", graphs=largest)
        torch_sparse = _find(scaling, system="torch-sparse", graphs=largest)
        add(f"scaling {largest} graphs: lrnn build", lrnn and lrnn["build_s"], 30, " s")
        add(f"scaling {largest} graphs: lrnn epoch / torch sparse",
            _divide(lrnn and lrnn.get("epoch_ms"), torch_sparse and torch_sparse.get("epoch_ms")), 1.2)
        add(f"scaling {largest} graphs: lrnn peak memory", lrnn and lrnn["peak_rss_mib"] / 1024, 4, " GiB")
    return goals


def _divide(a, b):
    return None if a is None or b is None else a / b


def plot(mutagenesis: list[dict], scaling: list[dict]) -> list[Path]:
    """Bar charts of epoch time per system and batch size, and of build time per system."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    RESULTS.mkdir(exist_ok=True)
    paths = []
    systems = [s for s in MUTAGENESIS_SYSTEMS if any(r["system"] == s for r in mutagenesis)]
    if mutagenesis:
        figure, axes = plt.subplots(1, 4, figsize=(18, 4))
        for axis, batch in zip(axes, ("full", 32, 1)):
            _bars(axis, mutagenesis, systems, lambda r, b=batch: r.get("batch") == b and "epoch_ms" in r,
                  "epoch_ms", f"epoch, batch {batch} (ms)")
        _bars(axes[3], mutagenesis, systems, lambda r: "build_s" in r, "build_s", "build from numpy graphs (s)")
        figure.suptitle("Mutagenesis (log scale)")
        figure.tight_layout()
        paths.append(RESULTS / "mutagenesis.png")
        figure.savefig(paths[-1], dpi=100)
        plt.close(figure)
    if scaling:
        figure, axes = plt.subplots(1, 3, figsize=(14, 4))
        for axis, key, title in zip(axes, ("build_s", "epoch_ms", "peak_rss_mib"),
                                    ("build (s)", "full-batch epoch (ms)", "peak memory (MiB)")):
            for system in SCALING_SYSTEMS:
                points = sorted((r["graphs"], r[key]) for r in scaling if r["system"] == system and key in r)
                if points:
                    axis.plot(*zip(*points), marker="o", label=system)
            axis.set(xscale="log", yscale="log", xlabel="graphs", title=title)
            axis.legend()
        figure.suptitle("Scaling: GCN on synthetic molecules")
        figure.tight_layout()
        paths.append(RESULTS / "scaling.png")
        figure.savefig(paths[-1], dpi=100)
        plt.close(figure)
    return paths


def _bars(axis, rows, systems, keep, key, title) -> None:
    width = 0.8 / max(len(systems), 1)
    for i, system in enumerate(systems):
        heights = []
        for model in MODELS:
            row = next((r for r in rows if r["system"] == system and r["model"] == model and keep(r)), None)
            heights.append(row[key] if row else 0.0)
        axis.bar([m + i * width for m in range(len(MODELS))], heights, width, label=system)
    axis.set_xticks([m + 0.4 - width / 2 for m in range(len(MODELS))], MODELS)
    axis.set(yscale="log", title=title)
    axis.legend(fontsize=7)


# -- micro-benchmarks --
def grounding_rows(args, skipped: list[str]) -> list[dict]:
    from benchmarks import grounding

    try:
        import clingo  # noqa: F401
    except ImportError:
        skipped.append("clingo: not installed (pip install clingo); the grounding table has no clingo column")
    return grounding.main(["--quick"] if args.quick else [])


def torch_integration_rows(args, skipped: list[str]) -> list[dict]:
    from benchmarks import torch_integration as integration

    repeats, number = (3, 20) if args.quick else (5, 200)
    integration.check_layer_matches_linear(args.device)
    rows = integration.per_step(args.device, repeats, number) + integration.batched(args.device, [1, 64, 4096],
                                                                                     repeats, number)
    if not any(row["layer"].startswith("PyNeuraLogic") for row in rows):
        skipped.append("torch_integration: PyNeuraLogic's module did not run (see the message above)")
    print(integration.markdown(rows))
    return rows


def main(argv=None) -> dict:
    args = parse_arguments(argv)
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    skipped: list[str] = []
    report: dict = {"mode": "quick" if args.quick else "full", "arguments": vars(args)}

    if "mutagenesis" in args.only:
        rows = run_configs(mutagenesis_configs(args), args, skipped)
        report["mutagenesis"] = rows
        print("\n## Mutagenesis (188 molecules)" if not args.quick else "\n## Mutagenesis (quick: 20 molecules)")
        print(e2e_table(rows))
    if "scaling" in args.only:
        rows = run_configs(scaling_configs(args), args, skipped)
        report["scaling"] = rows
        print("\n## Scaling: GCN, full batch, synthetic molecules")
        print(scaling_table(rows))
    if "mutagenesis" in args.only or "scaling" in args.only:
        report["goals"] = goal_rows(report.get("mutagenesis", []), report.get("scaling", []))
        print("\n## Goals")
        print(markdown_table(report["goals"], ["goal", "measured", "limit", "met"]))
    if "grounding" in args.only:
        print("\n## Grounding: transitive closure")
        report["grounding"] = grounding_rows(args, skipped)
    if "torch_integration" in args.only:
        print("\n## Torch integration")
        report["torch_integration"] = torch_integration_rows(args, skipped)

    report["skipped"] = skipped
    report["seconds"] = time.perf_counter() - start
    if skipped:
        print("\nSkipped:\n" + "\n".join(f"- {reason}" for reason in skipped))
    print(f"\nbenchmarks took {report['seconds']:.1f} s")
    if args.json:
        print(f"wrote {save('benchmarks-quick' if args.quick else 'benchmarks', report)}")
    if args.plot:
        for path in plot(report.get("mutagenesis", []), report.get("scaling", [])):
            print(f"wrote {path}")
    return report

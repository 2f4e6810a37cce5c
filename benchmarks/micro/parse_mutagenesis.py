"""Time reading mutagenesis examples.txt (400 KB) through the fast path and through the full grammar.

Usage: python benchmarks/micro/parse_mutagenesis.py [--data PATH] [--repeat 5] [--json OUT]

Both paths must return the same clauses; the script checks that before timing. It reports
the median of `--repeat` runs of each path, in milliseconds, and their ratio.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import time
from pathlib import Path

from lrnn.language.text import parse_dataset
from lrnn.language.text.parser import lark_parser, parse_clauses
from lrnn.language.text.scanner import scan_clauses

DEFAULT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "neuralogic" / "molecules" / \
    "mutagenesis"


def median_ms(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(data: Path, repeat: int, output: Path | None) -> dict:
    examples = (data / "examples.txt").read_text()
    queries = (data / "queries.txt").read_text()
    lark_parser()  # built once per process; keep it out of the timings

    fast = scan_clauses(examples, "examples.txt")
    full = parse_clauses(examples, "examples.txt", examples=True)
    if fast != full:
        raise SystemExit("the fast path and the grammar disagree on examples.txt")

    results = {
        "file_bytes": len(examples.encode()),
        "facts": sum(len(clause.body) for clause in fast),
        "fast_ms": median_ms(lambda: scan_clauses(examples, "examples.txt"), repeat),
        "grammar_ms": median_ms(lambda: parse_clauses(examples, "examples.txt", examples=True), repeat),
        "dataset_ms": median_ms(lambda: parse_dataset(examples, queries), repeat),
        "repeat": repeat,
        "python": platform.python_version(),
        "machine": platform.processor() or platform.machine(),
        "commit": git_commit(),
    }
    results["grammar_over_fast"] = results["grammar_ms"] / results["fast_ms"]
    print(f"mutagenesis examples.txt: {results['file_bytes']} bytes, {results['facts']} facts")
    print(f"  fast path      {results['fast_ms']:8.1f} ms (median of {repeat})")
    print(f"  full grammar   {results['grammar_ms']:8.1f} ms ({results['grammar_over_fast']:.1f}x the fast path)")
    print(f"  parse_dataset  {results['dataset_ms']:8.1f} ms (examples and queries into samples)")
    if output is not None:
        output.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with examples.txt and queries.txt")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per path; the median is reported")
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    arguments = parser.parse_args()
    main(arguments.data, arguments.repeat, arguments.json)

"""Smoke run of `python -m benchmarks --quick`: every benchmark runs once at toy size so none rots."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]


def _missing(*modules: str) -> list[str]:
    return [name for name in modules if importlib.util.find_spec(name) is None]


@pytest.fixture(scope="module")
def quick_report():
    if not (REPOSITORY / "benchmarks" / "__main__.py").is_file():
        pytest.skip("the benchmarks folder is not in this checkout")
    sys.path.insert(0, str(REPOSITORY))
    try:
        from benchmarks.mutagenesis import find_data

        find_data()
    except FileNotFoundError as error:
        pytest.skip(f"Mutagenesis data not found: {error}")
    finally:
        sys.path.remove(str(REPOSITORY))
    command = [sys.executable, "-c", "import json, benchmarks.run as run; "
               "print('REPORT ' + json.dumps(run.main(['--quick', '--threads', '1']), default=str))"]
    environment = dict(os.environ, PYTHONPATH=str(REPOSITORY))
    result = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True, timeout=170, env=environment)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith("REPORT ")]
    assert lines, result.stdout[-3000:]
    import json

    return json.loads(lines[-1][len("REPORT "):])


def test_quick_mutagenesis_has_rows(quick_report):
    rows = quick_report["mutagenesis"]
    systems = {row["system"] for row in rows}
    assert {"lrnn", "torch-sparse", "torch-dense"} <= systems
    assert not [row for row in rows if "error" in row]
    assert all(row["epoch_ms"] > 0 for row in rows if row["batch"] != "-")


def test_quick_optional_systems_run_or_are_skipped(quick_report):
    systems = {row["system"] for row in quick_report["mutagenesis"]}
    skipped = " ".join(quick_report["skipped"])
    for system, module in (("pyg", "torch_geometric"), ("pyneuralogic", "neuralogic")):
        if _missing(module):
            assert system in skipped
        else:
            assert system in systems


def test_quick_outputs_match_plain_torch(quick_report):
    checked = [row for row in quick_report["mutagenesis"] if "max_difference" in row]
    assert checked
    assert max(row["max_difference"] for row in checked) <= 1e-4


def test_quick_scaling_and_goals(quick_report):
    assert {row["system"] for row in quick_report["scaling"]} >= {"lrnn", "torch-sparse"}
    assert quick_report["goals"]


def test_quick_micro_benchmarks_have_rows(quick_report):
    assert quick_report["grounding"]
    assert quick_report["torch_integration"]

"""`lrnn train`: the built-in default, text files, a NeuraLogic directory, and invalid input."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from lrnn.cli import main

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
MUTAGENESIS = SHARED / "data" / "neuralogic" / "molecules" / "mutagenesis"


def write_xor(root: Path) -> tuple[Path, Path, Path]:
    template = root / "template.txt"
    template.write_text("{4,2} hidden :- {2,1} a, {2,1} b. [activation=tanh]\n{1,4} xor :- hidden.\n")
    examples = root / "examples.txt"
    examples.write_text("0.0 a, 0.0 b.\n0.0 a, 1.0 b.\n1.0 a, 0.0 b.\n1.0 a, 1.0 b.\n" * 2)
    queries = root / "queries.txt"
    queries.write_text("0.0 xor.\n1.0 xor.\n1.0 xor.\n0.0 xor.\n" * 2)
    return template, examples, queries


def test_builtin_default(tmp_path, capsys):
    out = tmp_path / "weights.pt"
    assert main(["train", "--num-graphs", "40", "--epochs", "2", "--no-progress", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "built-in motif graphs: 40 samples" in printed
    assert "epoch 1/2  loss" in printed
    assert "epoch 2/2" in printed
    assert "test (8 samples): loss" in printed
    assert "auroc" in printed
    weights = torch.load(out, weights_only=True)
    assert all(key.startswith("weights.") for key in weights)


def test_text_files(tmp_path, capsys):
    template, examples, queries = write_xor(tmp_path)
    code = main(["train", "--template", str(template), "--examples", str(examples), "--queries", str(queries),
                 "--epochs", "3", "--batch-size", "0", "--test-fraction", "0.25", "--no-progress"])
    assert code == 0
    assert "test (2 samples)" in capsys.readouterr().out


def test_data_dir(tmp_path, capsys):
    template, _, _ = write_xor(tmp_path)
    (tmp_path / "templates").mkdir()
    template.rename(tmp_path / "templates" / "template.txt")
    assert main(["train", "--data-dir", str(tmp_path), "--epochs", "1", "--no-progress"]) == 0
    assert f"{tmp_path}: 8 samples" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["--template", "missing.txt", "--examples", "missing.txt"], "template file 'missing.txt' not found"),
    (["--examples", "e.txt"], "--examples needs --template"),
    (["--data-dir", "nowhere"], "dataset directory 'nowhere' not found"),
    (["--epochs", "0"], "--epochs must be at least 1"),
    (["--test-fraction", "1.5"], "--test-fraction must lie in"),
])
def test_invalid_input(args, message, capsys):
    assert main(["train", "--num-graphs", "10", "--no-progress", *args]) == 2
    assert message in capsys.readouterr().err


def test_missing_examples_file(tmp_path, capsys):
    template, _, _ = write_xor(tmp_path)
    assert main(["train", "--template", str(template), "--examples", str(tmp_path / "none.txt")]) == 2
    err = capsys.readouterr().err
    assert "none.txt" in err
    assert "examples file" in err


def test_python_m_help():
    result = subprocess.run([sys.executable, "-m", "lrnn", "train", "--help"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0
    assert "--test-fraction" in result.stdout


@pytest.mark.slow
@pytest.mark.skipif(not MUTAGENESIS.is_dir(), reason=f"the shared Mutagenesis files are not at {MUTAGENESIS}")
def test_mutagenesis_learns(capsys):
    code = main(["train", "--data-dir", str(MUTAGENESIS), "--template", "template_gnn.txt", "--epochs", "60",
                 "--lr", "0.05", "--batch-size", "16", "--seed", "0", "--no-progress"])
    assert code == 0
    test_line = [line for line in capsys.readouterr().out.splitlines() if line.startswith("test (38 samples)")][0]
    accuracy = float(test_line.split("accuracy ")[1].split()[0])
    # 125 of 188 molecules are positive: predicting 1 for every molecule scores about 0.66
    assert accuracy > 0.75, test_line


@pytest.mark.skipif(torch.cuda.is_available(), reason="CUDA is available, so --device cuda is valid")
def test_cuda_device_without_cuda(capsys):
    assert main(["train", "--device", "cuda"]) == 2
    assert "has no usable CUDA device; use --device cpu" in capsys.readouterr().err

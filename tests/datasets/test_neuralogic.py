"""load_neuralogic_dir on small directories written here, and on the shipped Mutagenesis files."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from lrnn import DatasetError, ParseError, QueryError, Settings
from lrnn.datasets import load_neuralogic_dir
from lrnn.model import Model

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
MUTAGENESIS = SHARED / "data" / "neuralogic" / "molecules" / "mutagenesis"


def write_dir(root: Path, examples: str, queries: str | None, template: str, name="template.txt") -> Path:
    (root / "templates").mkdir(parents=True)
    (root / "examples.txt").write_text(examples)
    if queries is not None:
        (root / "queries.txt").write_text(queries)
    (root / "templates" / name).write_text(template)
    return root


def test_directory_one_call(tmp_path):
    root = write_dir(tmp_path, "f(a), 2.0 f(b).\n3.0 f(c).\n", "1.0 h.\n0.0 h.\n", "h :- f(X).")
    template, dataset = load_neuralogic_dir(root)
    model = Model(template, Settings(dtype=torch.float64))
    built = model.build_dataset(dataset)
    # h = average of f over its groundings: (1 + 2) / 2, then 3
    torch.testing.assert_close(model(built), torch.tensor([1.5, 3.0], dtype=torch.float64))
    torch.testing.assert_close(built.target_tensor(), torch.tensor([1.0, 0.0]))


def test_template_in_directory_root(tmp_path):
    (tmp_path / "examples.txt").write_text("<1> h :- f(a).\n")
    (tmp_path / "mine.txt").write_text("h :- f(X).")
    template, dataset = load_neuralogic_dir(tmp_path, template="mine.txt")
    assert len(dataset) == 1


def test_missing_directory(tmp_path):
    with pytest.raises(DatasetError, match="not found"):
        load_neuralogic_dir(tmp_path / "nowhere")


def test_missing_examples(tmp_path):
    with pytest.raises(DatasetError, match="has no examples.txt"):
        load_neuralogic_dir(tmp_path)


def test_missing_template_lists_choices(tmp_path):
    root = write_dir(tmp_path, "f(a).\n", "1.0 h.\n", "h :- f(X).", name="gnn.txt")
    with pytest.raises(DatasetError, match="templates/ contains gnn.txt"):
        load_neuralogic_dir(root)


def test_parse_error_names_file_and_line(tmp_path):
    root = write_dir(tmp_path, "f(a).\nf(b\n", "1.0 h.\n1.0 h.\n", "h :- f(X).")
    with pytest.raises(ParseError, match=r"examples.txt:2"):
        load_neuralogic_dir(root)


def test_undefined_query_names_sample(tmp_path):
    root = write_dir(tmp_path, "f(a).\nf(b).\n", "1.0 h.\n1.0 g.\n", "h :- f(X).")
    template, dataset = load_neuralogic_dir(root)
    with pytest.raises(QueryError, match=r"sample .*queries.txt:2: query g has no proof"):
        Model(template).build_dataset(dataset)


def test_empty_examples(tmp_path):
    root = write_dir(tmp_path, "% nothing here\n", None, "h :- f(X).")
    with pytest.raises(DatasetError, match="contains no examples"):
        load_neuralogic_dir(root)


@pytest.mark.skipif(not MUTAGENESIS.is_dir(), reason=f"the shared Mutagenesis files are not at {MUTAGENESIS}")
def test_mutagenesis_loads():
    template, dataset = load_neuralogic_dir(MUTAGENESIS)
    model = Model(template)
    built = model.build_dataset(dataset)
    assert len(built) == 188
    targets = built.target_tensor()
    # 125 of the 188 molecules are mutagenic (the majority class, 66.5 %)
    assert int(targets.sum()) == 125
    assert model(built).shape == (188,)

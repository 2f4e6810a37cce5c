"""Every NeuraLogic file shipped under shared/data parses; the fast path agrees with the grammar on the data."""
from pathlib import Path

import pytest

from lrnn.language.dsl import Rule
from lrnn.language.text import load_dataset, load_template, parse_template
from lrnn.language.text.parser import parse_clauses
from lrnn.language.text.scanner import scan_clauses

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "neuralogic"
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason=f"shared data folder {DATA} is absent")

FILES = sorted(DATA.rglob("*.txt")) if DATA.is_dir() else []
TEMPLATES = [p for p in FILES if "template" in p.name.lower() or "embeddings" in p.name.lower()]
QUERIES = [p for p in FILES if p.name == "queries.txt"]
EXAMPLES = [p for p in FILES if "examples" in p.name.lower()]


def _name(path: Path) -> str:
    return str(path.relative_to(DATA))


def test_every_file_is_classified():
    assert FILES
    assert set(FILES) == set(TEMPLATES) | set(QUERIES) | set(EXAMPLES)


@pytest.mark.parametrize("path", TEMPLATES, ids=_name)
def test_template_parses(path):
    template = load_template(path)
    assert len(template) > 0


@pytest.mark.parametrize("path", TEMPLATES, ids=_name)
def test_template_round_trip(path):
    template = load_template(path)
    assert parse_template(str(template)) == template


@pytest.mark.parametrize("path", EXAMPLES, ids=_name)
def test_dataset_loads(path):
    queries = path.with_name("queries.txt")
    dataset = load_dataset(path, queries if queries.is_file() else None)
    assert len(dataset) > 0
    for sample in dataset:
        assert sample.facts
        assert sample.query.name


@pytest.mark.parametrize("path", EXAMPLES + QUERIES, ids=_name)
def test_fast_path_equals_grammar(path):
    text = path.read_text()
    assert scan_clauses(text, str(path)) == parse_clauses(text, str(path), examples=True)


def test_mutagenesis_counts():
    folder = DATA / "molecules" / "mutagenesis"
    dataset = load_dataset(folder / "examples.txt", folder / "queries.txt")
    assert len(dataset) == 188
    assert dataset[0].query.name == "predict"
    assert dataset[0].query.value.initial[0, 0] == 1.0


def test_nations_shares_one_example():
    folder = DATA / "nations"
    dataset = load_dataset(folder / "examples.txt", folder / "queries.txt")
    assert len(dataset) == 5347
    assert dataset[0].facts == dataset[-1].facts


def test_xor_solution_template():
    template = load_template(DATA / "simple" / "xor" / "solution" / "template.txt")
    hidden1 = template[0]
    assert isinstance(hidden1, Rule)
    assert hidden1.offset.initial[0, 0] == 0.5
    relation = template[-1]
    assert relation.offset.fixed
    assert relation.offset.initial[0, 0] == 1.0


def test_mutagenesis_import_and_combined_activation():
    template = load_template(DATA / "molecules" / "mutagenesis" / "templates" / "template_elementProduct.txt")
    assert len(template) == 19  # 18 entries of embeddings.txt and the predict rule
    predict = template[-1]
    assert predict.metadata.combination.name == "elproduct"
    assert predict.metadata.transformation.name == "tanh"

"""Tutorial notebooks: each runs top to bottom, and the files match `notebooks/build_notebooks.py`.

The notebooks run in memory through nbclient with the `python3` kernel and the working
directory `notebooks/`. Nothing is written back, so the files keep no outputs.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed; pip install -e '.[notebooks]'")
nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed; pip install -e '.[notebooks]'")
pytest.importorskip("ipykernel", reason="ipykernel is not installed; pip install -e '.[notebooks]'")

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ["quickstart.ipynb", "torch_integration.ipynb", "molecules.ipynb", "recursion.ipynb"]
MUTAGENESIS = Path("molecules") / "mutagenesis"
CELL_TIMEOUT_S = 300


def load_builder():
    spec = importlib.util.spec_from_file_location("build_notebooks", NOTEBOOK_DIR / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def execute(name: str, **environment: str) -> nbformat.NotebookNode:
    """Run notebook `name` in a fresh python3 kernel and return it with its outputs (not saved).

    The kernel gets the test's environment plus `environment`, and one OpenMP thread because
    the notebooks' tensors are small. On a 2-core machine busy with other work, torch's second
    thread waiting for a core made the molecules notebook five times slower (58 s against 11 s).
    """
    from jupyter_client.kernelspec import NoSuchKernel

    notebook = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    try:
        client.execute(env={**os.environ, "OMP_NUM_THREADS": "1", **environment})
    except NoSuchKernel as error:
        pytest.skip(f"no python3 Jupyter kernel is available ({error})")
    return notebook


def printed_text(notebook: nbformat.NotebookNode) -> str:
    return "".join(output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", []))


def mutagenesis_present() -> bool:
    """Check whether the molecules notebook finds the Mutagenesis data, by the rule of its `find_data`."""
    if "LRNN_DATA" in os.environ:
        return (Path(os.environ["LRNN_DATA"]) / MUTAGENESIS).is_dir()
    return any((parent / "shared" / "data" / "neuralogic" / MUTAGENESIS).is_dir() for parent in NOTEBOOK_DIR.parents)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs(name):
    notebook = execute(name)

    errors = [output for cell in notebook.cells for output in cell.get("outputs", [])
              if output.output_type == "error"]
    assert errors == []


def test_molecules_without_data(tmp_path):
    if not mutagenesis_present():
        pytest.skip("the Mutagenesis data is absent, so test_notebook_runs[molecules.ipynb] already ran "
                    "the notebook on generated graphs")

    text = printed_text(execute("molecules.ipynb", LRNN_DATA=str(tmp_path)))

    assert "was not found" in text
    assert "generated molecule-like graphs" in text


@pytest.mark.parametrize("name", NAMES)
def test_notebook_matches_builder(name):
    builder = load_builder()

    assert (NOTEBOOK_DIR / name).read_text() == builder.render(name), \
        f"{name} differs from notebooks/build_notebooks.py; run python notebooks/build_notebooks.py"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_outputs_stripped(name):
    notebook = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]

    assert all(not cell.outputs for cell in code_cells)
    assert all(cell.execution_count is None for cell in code_cells)
    assert notebook.metadata.kernelspec.name == "python3"


def test_builder_lists_every_notebook():
    builder = load_builder()

    assert sorted(builder.NOTEBOOKS) == sorted(NAMES)
    assert sorted(path.name for path in NOTEBOOK_DIR.glob("*.ipynb")) == sorted(NAMES)

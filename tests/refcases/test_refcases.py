"""Reference cases: outputs of PyNeuraLogic 0.9.2 that lrnn reproduces (copied into cases/).

Each case file states lrnn's expectation under `lrnn.mode`: `match` (the reference values),
`unordered` (compare as multisets), `override` (lrnn's own values; an `{"error": true}`
entry means that sample alone raises an LrnnError), `error` or `skip`. Own semantics
compare against `expected_unoptimized` when present (no chain pruning); compat mode runs
`Settings(chain_pruning=True)` against `expected`.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

import lrnn
from lrnn import Aggregation, C, Combination, Dataset, R, Sample, Settings, Template, Transformation, V

CASES = sorted((Path(__file__).parent / "cases").glob("*.json"))
RTOL, ATOL = 1e-5, 1e-6


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def settings_of(case: dict, compat: bool) -> tuple[Settings, bool]:
    given = {k: v for k, v in case.get("settings", {}).items() if k != "iso_value_compression"}
    if compat or given.get("prune_only_identities"):
        given = {"chain_pruning": True, **given}
    return Settings(dtype=torch.float64, **given), given.get("chain_pruning", False)


def evaluate(case: dict, settings: Settings, only: list[int] | None = None):
    if case["format"] == "dsl":
        scope = {"R": R, "V": V, "C": C, "Template": Template, "Transformation": Transformation,
                 "Aggregation": Aggregation, "Combination": Combination}
        exec(case["template"], scope)
        exec(case["samples"], scope)
        pairs = scope["samples"] if only is None else [scope["samples"][i] for i in only]
        model = scope["template"].build(settings)
        built = model.build_dataset(Dataset([Sample(q, f) for q, f in pairs]))
        return model, model(built)
    if only is not None:
        pytest.skip("per-sample evaluation of text cases")
    template = lrnn.parse_template(case["template_text"])
    queries = case.get("queries_text") or ""
    dataset = lrnn.parse_dataset(case["examples_text"], queries if queries.strip() else None)
    model = template.build(settings)
    return model, model(model.build_dataset(dataset))


def as_array(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach().to(torch.float64).numpy()
    return np.squeeze(np.asarray(value, dtype=np.float64))


def assert_outputs(outputs, expected, unordered: bool) -> None:
    outputs = list(outputs)
    assert len(outputs) == len(expected), f"{len(outputs)} outputs for {len(expected)} samples"
    for i, (got, want) in enumerate(zip(outputs, expected)):
        got, want = as_array(got), as_array(want)
        assert got.shape == want.shape, f"sample {i}: shape {got.shape}, expected {want.shape}"
        got, want = got.reshape(-1), want.reshape(-1)
        if unordered:
            got, want = np.sort(got), np.sort(want)
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=f"sample {i}")


def close(got, want, rtol: float, atol: float) -> bool:
    got, want = as_array(got), as_array(want)
    return got.shape == want.shape and bool(np.allclose(got, want, rtol=rtol, atol=atol))


def check_gradients(case: dict, settings: Settings) -> None:
    for i, entries in enumerate(case.get("expected_grad") or []):
        model, outputs = evaluate(case, settings, [i])
        params = [p for p in model.parameters() if p.requires_grad]
        initial = {id(p): as_array(p).copy() for p in params}
        total = outputs.sum() if isinstance(outputs, torch.Tensor) else sum(o.sum() for o in outputs)
        total.backward()
        used = set()
        for entry in entries:
            matches = [p for p in params if close(initial[id(p)], entry["initial"], 0, 1e-12)]
            assert matches, f"sample {i}: no parameter starts at {entry['initial']}"
            fits = [p for p in matches if id(p) not in used and close(
                p.grad if p.grad is not None else torch.zeros_like(p), entry["grad_fd"], 1e-4, 1e-5)]
            assert fits, f"sample {i}: gradient of {entry.get('entry_text')} does not match {entry['grad_fd']}"
            used.add(id(fits[0]))


def run(case: dict, compat: bool) -> None:
    rule = case.get("lrnn", {"mode": "match"})
    mode = rule["mode"]
    if mode == "skip":
        pytest.skip(rule.get("note", "tested elsewhere"))
    if compat and mode not in ("match", "unordered"):
        pytest.skip("lrnn deliberately differs from the reference here")
    settings, pruning = settings_of(case, compat)
    if mode == "error":
        with pytest.raises(lrnn.LrnnError):
            evaluate(case, settings)
        return
    if mode == "override":
        expected = rule["expected"]
    else:
        expected = case["expected"] if pruning else case.get("expected_unoptimized", case["expected"])
    if any(isinstance(e, dict) for e in expected):
        for i, want in enumerate(expected):
            if isinstance(want, dict):
                with pytest.raises(lrnn.LrnnError):
                    evaluate(case, settings, [i])
            else:
                assert_outputs(evaluate(case, settings, [i])[1], [want], False)
        return
    assert_outputs(evaluate(case, settings)[1], expected, mode == "unordered")
    if case["format"] == "dsl":
        check_gradients(case, settings)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_reference_case(path):
    run(load(path), compat=False)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_reference_case_compat(path):
    run(load(path), compat=True)


def test_case_files_present():
    assert len(CASES) >= 90

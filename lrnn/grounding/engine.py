"""Bottom-up grounding of a program over the facts of all samples at once.

Each rule body is evaluated as a chain of sort-merge joins on integer-coded tables. The
sample id is a join column of every literal, so one join grounds every sample and never
crosses samples. Recursive predicates are evaluated semi-naively per strongly connected
component of the predicate dependency graph, negation is stratified between components.
"""
from __future__ import annotations

import logging
import time

import numpy as np

from ..errors import GroundingLimitError
from .builtin_ops import ConstantInfo, arithmetic, filter_mask, generate
from .facts import FactSet
from .joins import equi_join, joint_keys, member, unique_rows
from .strata import strata_order

logger = logging.getLogger(__name__)


class Bindings:
    """Substitutions as columns: `cols[-1]` is the sample id, `cols[slot]` a variable's constants."""

    def __init__(self, cols: dict[int, np.ndarray]):
        self.cols = cols

    def __len__(self) -> int:
        return len(self.cols[-1])

    def take(self, index: np.ndarray) -> Bindings:
        return Bindings({k: v[index] for k, v in self.cols.items()})


class Grounder:
    """Computes the least model of a program and the ground instances of its rules."""

    def __init__(self, program):
        self.program = program
        self.vocab = program.vocab
        self.max_groundings = program.settings.max_groundings

    # -- public --
    def least_model(self, facts: FactSet) -> tuple[dict[int, np.ndarray], dict[int, dict]]:
        """Return (tables, instances): all true rows per predicate and bindings per rule."""
        start = time.perf_counter()
        self.info = ConstantInfo(self.vocab)
        self.eval_values: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        tables = {pred: rows for pred, rows in facts.rows.items()}
        self.tables = tables
        self.num_samples = facts.num_samples
        instances: dict[int, Bindings] = {}
        for component, recursive in strata_order(self.program):
            rules = [r for r in self.program.rules if r.head_pred in component]
            if not recursive:
                for rule in rules:
                    bindings = self._evaluate(rule, {})
                    instances[rule.index] = bindings
                    self._add_heads(rule, bindings)
                continue
            self._fixpoint(rules, component)
            for rule in rules:
                instances[rule.index] = self._evaluate(rule, {})
        total = sum(len(b) for b in instances.values())
        logger.info("grounded %d rules over %d samples: %d substitutions (%.3f s)", len(self.program.rules),
                    facts.num_samples, total, time.perf_counter() - start)
        return tables, instances

    # -- fixpoint --
    def _fixpoint(self, rules, component) -> None:
        delta: dict[int, np.ndarray] | None = None
        while True:
            new_rows: dict[int, list] = {}
            for rule in rules:
                positions = [i for i, lit in enumerate(rule.literals)
                             if lit.kind == "positive" and lit.pred in component]
                if delta is None or not positions:
                    variants = [{}] if delta is None else []
                else:
                    variants = [{i: delta.get(rule.literals[i].pred)} for i in positions
                                if delta.get(rule.literals[i].pred) is not None]
                for override in variants:
                    bindings = self._evaluate(rule, override)
                    heads = self._head_rows(rule, bindings)
                    new_rows.setdefault(rule.head_pred, []).append(heads)
            delta = {}
            for pred, parts in new_rows.items():
                rows = unique_rows(np.concatenate(parts))
                old = self.tables.get(pred)
                if old is not None and len(old):
                    keys_new, keys_old = joint_keys([rows[:, j] for j in range(rows.shape[1])],
                                                    [old[:, j] for j in range(old.shape[1])])
                    rows = rows[~member(keys_new, keys_old)]
                if len(rows):
                    delta[pred] = rows
                    self.tables[pred] = rows if old is None else unique_rows(np.concatenate([old, rows]))
            if not delta:
                return

    def _add_heads(self, rule, bindings) -> None:
        rows = self._head_rows(rule, bindings)
        old = self.tables.get(rule.head_pred)
        self.tables[rule.head_pred] = unique_rows(rows if old is None else np.concatenate([old, rows]))

    def _head_rows(self, rule, bindings: Bindings) -> np.ndarray:
        return self.literal_rows(rule.head_pattern, bindings)

    @staticmethod
    def literal_rows(pattern, bindings: Bindings) -> np.ndarray:
        n = len(bindings)
        if n == 0:
            return np.zeros((0, 1 + len(pattern)), dtype=np.int64)
        columns = [bindings.cols[-1]]
        for p in pattern:
            columns.append(bindings.cols[p] if p >= 0 else np.full(n, -p - 1, dtype=np.int64))
        return np.stack(columns, axis=1) if n else np.zeros((0, 1 + len(pattern)), dtype=np.int64)

    # -- one rule --
    def _evaluate(self, rule, override: dict[int, np.ndarray]) -> Bindings:
        """Find all substitutions of a rule body, with `override` replacing some literals' tables."""
        positives = [i for i, lit in enumerate(rule.literals) if lit.kind == "positive"]
        candidates = {i: self._literal_table(rule.literals[i], override.get(i)) for i in positives}
        bindings: Bindings | None = None
        remaining = list(positives)
        while remaining:
            index = self._next_literal(rule, remaining, bindings, candidates)
            remaining.remove(index)
            bindings = self._join(bindings, candidates[index], rule, index)
            bindings = self._apply_specials(rule, bindings, final=False)
            if len(bindings) == 0:
                break
        if bindings is None:  # only builtins or negations: one empty substitution per sample
            bindings = Bindings({-1: np.arange(self.num_samples, dtype=np.int64)})
        bindings = self._apply_specials(rule, bindings, final=True)
        for lit in rule.literals:
            if lit.kind == "negated" and len(bindings):
                bindings = bindings.take(np.flatnonzero(~self._holds(lit, bindings)))
        return bindings

    def _next_literal(self, rule, remaining, bindings, candidates) -> int:
        if bindings is None:
            return min(remaining, key=lambda i: len(candidates[i][0]))
        bound = set(bindings.cols)

        def score(i):
            shared = len(set(p for p in rule.literals[i].pattern if p >= 0) & bound)
            return (-shared, len(candidates[i][0]))

        return min(remaining, key=score)

    def _literal_table(self, lit, rows=None):
        """Rows of a literal's predicate filtered by its constants and repeated variables."""
        if rows is None:
            rows = self.tables.get(lit.pred)
        if rows is None:
            rows = np.zeros((0, 1 + len(lit.pattern)), dtype=np.int64)
        mask = np.ones(len(rows), dtype=bool)
        first: dict[int, int] = {}
        for position, p in enumerate(lit.pattern):
            if p < 0:
                mask &= rows[:, 1 + position] == -p - 1
            elif p in first:
                mask &= rows[:, 1 + position] == rows[:, 1 + first[p]]
            else:
                first[p] = position
        if not mask.all():
            rows = rows[mask]
        return rows, first

    def _join(self, bindings, candidate, rule, index) -> Bindings:
        rows, first = candidate
        lit_cols = {-1: rows[:, 0]}
        lit_cols.update({slot: rows[:, 1 + position] for slot, position in first.items()})
        if bindings is None:
            return Bindings(lit_cols)
        shared = [k for k in lit_cols if k in bindings.cols]
        left, right = joint_keys([bindings.cols[k] for k in shared], [lit_cols[k] for k in shared])
        li, ri = equi_join(left, right)
        if len(li) > self.max_groundings:
            raise GroundingLimitError(
                f"rule {rule.index} ({rule.text}): joining {rule.literals[index].text} gives {len(li)} "
                f"substitutions ({len(bindings)} x {len(rows)} rows), over the limit of "
                f"{self.max_groundings}. Raise Settings(max_groundings=...) or make the rule more selective.")
        cols = {k: v[li] for k, v in bindings.cols.items()}
        for k, v in lit_cols.items():
            if k not in cols:
                cols[k] = v[ri]
        return Bindings(cols)

    def _apply_specials(self, rule, bindings: Bindings, final: bool) -> Bindings:
        if final:  # generators may bind variables that builtins listed before them read
            while True:
                bound = len(bindings.cols)
                bindings = self._apply_specials_once(rule, bindings, final)
                if len(bindings.cols) == bound or len(bindings) == 0:
                    return bindings
        return self._apply_specials_once(rule, bindings, final)

    def _apply_specials_once(self, rule, bindings: Bindings, final: bool) -> Bindings:
        for lit in rule.literals:
            if lit.kind != "special" or len(bindings) == 0:
                continue
            slots = [p for p in lit.pattern if p >= 0]
            name = lit.special
            if name in ("add", "sub", "mod", "mul") and len(lit.pattern) == 3:
                output = lit.pattern[2]
                if not final and output >= 0 and output not in bindings.cols and any(
                        other.kind == "positive" and output in other.pattern for other in rule.literals):
                    continue  # a positive literal binds the output; compare numbers once it has
                bindings = self._generator(lit, bindings, final)
                continue
            if not all(s in bindings.cols for s in slots):
                continue
            columns = [self._column(p, bindings) for p in lit.pattern]
            if lit.pred >= 0:  # *_eval: keeps rows with a numeric result and records its value
                a, b = (self.info.numeric[c] for c in columns[:2])
                value = arithmetic(name, a, b)
                keep = np.isfinite(value)
            else:
                keep = filter_mask(name, columns, self.info, f"rule {rule.index} ({rule.text})", len(bindings))
            if not keep.all():
                bindings = bindings.take(np.flatnonzero(keep))
        return bindings

    def _generator(self, lit, bindings, final) -> Bindings:
        x, y, z = lit.pattern
        have = lambda p: p < 0 or p in bindings.cols  # noqa: E731
        if not (have(x) and have(y)):
            return bindings
        cx, cy = self._column(x, bindings), self._column(y, bindings)
        valid, ids = generate(lit.special, cx, cy, self.info)
        if have(z):  # compare numbers, as eq does, so add(1, 2, 3.0) is true
            result = self.info.numeric[np.where(valid, ids, 0)]
            keep = valid & (result == self.info.numeric[self._column(z, bindings)])
            return bindings.take(np.flatnonzero(keep))
        bindings = bindings.take(np.flatnonzero(valid))
        bindings.cols[z] = ids[valid]
        return bindings

    def _column(self, p, bindings) -> np.ndarray:
        return bindings.cols[p] if p >= 0 else np.full(len(bindings), -p - 1, dtype=np.int64)

    def _holds(self, lit, bindings) -> np.ndarray:
        table = self.tables.get(lit.pred)
        if table is None or len(table) == 0:
            return np.zeros(len(bindings), dtype=bool)
        rows = self.literal_rows(lit.pattern, bindings)
        keys, table_keys = joint_keys([rows[:, j] for j in range(rows.shape[1])],
                                      [table[:, j] for j in range(table.shape[1])])
        return member(keys, table_keys)

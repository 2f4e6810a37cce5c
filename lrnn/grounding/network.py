"""From the least model to the ground network: atom ids, rule instances, relevance, depths."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from ..errors import CyclicGroundingError, QueryError
from .builtin_ops import arithmetic
from .engine import Grounder
from .facts import FactSet
from .joins import first_occurrences, joint_keys, lookup

logger = logging.getLogger(__name__)


@dataclass
class RuleInstances:
    """Ground instances of one rule: head atom ids `[G]` and value-literal atom ids `[G, K]`."""

    head: np.ndarray
    body: np.ndarray


@dataclass
class GroundNetwork:
    """The relevant ground network of a set of samples.

    Atom ids are global; `atom_pred`, `atom_sample` describe each atom, `derived` marks
    atoms computed by rules (the rest are facts, whose value `fact_ref` locates as in
    :class:`FactSet`), `depth` is 0 for facts and 1 + the largest body depth otherwise.
    `queries[s]` lists (atom id, target, text) of sample s. Atoms belong to examples
    (`atom_sample` contains example ids, `num_examples` counts them); `query_example[s]` is the
    example of sample s (several samples may query one example).
    """

    num_samples: int
    atom_pred: np.ndarray
    atom_sample: np.ndarray
    atom_terms: list[np.ndarray]
    derived: np.ndarray
    fact_ref: np.ndarray
    depth: np.ndarray
    instances: dict[int, RuleInstances]
    queries: list[list[tuple[int, np.ndarray | None, str]]]
    values: list[np.ndarray] = field(default_factory=list)

    def terms_of(self, atoms: np.ndarray) -> np.ndarray:
        """Constant ids `[n, arity]` of atoms that all belong to one predicate."""
        view = self.atom_terms
        if len(atoms) == 0:
            return np.zeros((0, 0), dtype=np.int64)
        pred = int(self.atom_pred[atoms[0]])
        return view.tables[pred][atoms % view.modulus - view.bases[pred], 1:]

    def atom_text(self, vocab, atom: int) -> str:
        return vocab.atom_text(int(self.atom_pred[atom]), self.atom_terms[atom])


def build_network(program, facts: FactSet, queries, relevant_only: bool = True,
                  sample_names: list[str] | None = None) -> GroundNetwork:
    """Ground `program` on `facts` and keep what supports the queries of each sample.

    `sample_names` name the samples in error messages (default: their indices).
    """
    grounder = Grounder(program)
    tables, bindings = grounder.least_model(facts)
    values = facts.values.copy()
    fact_refs = {pred: refs for pred, refs in facts.value_ref.items()}
    _add_eval_facts(program, grounder, bindings, tables, fact_refs, values)

    preds = sorted(tables)
    bases, total = {}, 0
    for pred in preds:
        bases[pred] = total
        total += len(tables[pred])
    atom_pred = np.concatenate([np.full(len(tables[p]), p, dtype=np.int64) for p in preds]) if preds \
        else np.zeros(0, dtype=np.int64)
    atom_sample = np.concatenate([tables[p][:, 0] for p in preds]) if preds else np.zeros(0, dtype=np.int64)
    fact_ref = np.full(total, -1, dtype=np.int64)
    is_fact = np.zeros(total, dtype=bool)
    for pred, rows in facts.rows.items():
        ids = _atom_ids(tables, bases, pred, rows)
        is_fact[ids] = True
        fact_ref[ids] = fact_refs[pred]
    for pred, refs in fact_refs.items():
        if pred not in facts.rows:  # computed facts of *_eval builtins
            ids = bases[pred] + np.arange(len(tables[pred]))
            is_fact[ids] = True
            fact_ref[ids] = refs

    instances = {}
    for rule in program.rules:
        b = bindings[rule.index]
        head = _atom_ids(tables, bases, rule.head_pred, Grounder.literal_rows(rule.head_pattern, b))
        body = np.zeros((len(head), len(rule.value_literals)), dtype=np.int64)
        for k, position in enumerate(rule.value_literals):
            lit = rule.literals[position]
            body[:, k] = _atom_ids(tables, bases, lit.pred, Grounder.literal_rows(lit.pattern, b))
        if not rule.duplicate_grounding and len(head):
            keep = first_occurrences([head] + [body[:, k] for k in range(body.shape[1])])
            head, body = head[keep], body[keep]
        order = np.argsort(head, kind="stable")  # by head atom, hence by sample: batches slice ranges
        instances[rule.index] = RuleInstances(head[order], body[order])

    derived = np.zeros(total, dtype=bool)
    for inst in instances.values():
        derived[inst.head] = True
    query_example = facts.sample_example if facts.sample_example is not None else np.arange(len(queries))
    query_atoms = _resolve_queries(program, queries, tables, bases, derived, query_example, sample_names)
    network = GroundNetwork(len(queries), atom_pred, atom_sample,
                            [None] * 0, derived, fact_ref, np.zeros(total, dtype=np.int64),
                            instances, query_atoms, values)
    network.atom_terms = _TermsView(tables, preds, bases, total)
    network.num_examples, network.query_example = facts.num_samples, query_example
    if program.settings.recursion_depth is not None:
        network = _unroll(network, program.settings.recursion_depth, sample_names)
    if relevant_only:
        _keep_relevant(network, _softmax_groups(program, network))
    network.depth = _depths(program, network)
    return network


class _TermsView:
    """Constant ids of an atom, read from the per-predicate tables on demand (for messages)."""

    def __init__(self, tables, preds, bases, modulus):
        self.tables, self.preds, self.bases = tables, preds, bases
        self.modulus = max(modulus, 1)  # unrolled copies of an atom share its terms
        self.starts = np.array([bases[p] for p in preds], dtype=np.int64)

    def __getitem__(self, atom: int) -> np.ndarray:
        atom = atom % self.modulus
        i = int(np.searchsorted(self.starts, atom, side="right")) - 1
        pred = self.preds[i]
        return self.tables[pred][atom - self.bases[pred], 1:]


def _atom_ids(tables, bases, pred, rows) -> np.ndarray:
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64)
    table = tables[pred]
    keys, table_keys = joint_keys([rows[:, j] for j in range(rows.shape[1])],
                                  [table[:, j] for j in range(table.shape[1])])
    position = lookup(keys, table_keys)
    return bases[pred] + position


def _add_eval_facts(program, grounder, bindings, tables, fact_refs, values) -> None:
    info = grounder.info
    for rule in program.rules:
        for lit in rule.literals:
            if lit.kind != "special" or lit.pred < 0:
                continue
            rows = Grounder.literal_rows(lit.pattern, bindings[rule.index])
            a, b = info.numeric[rows[:, 1]], info.numeric[rows[:, 2]]
            result = arithmetic(lit.special, a, b)
            refs = np.arange(len(values), len(values) + len(rows), dtype=np.int64)
            values.extend(result.reshape(-1, 1, 1).astype(np.float64))
            old = tables.get(lit.pred)
            if old is not None:
                rows = np.concatenate([old, rows])
                refs = np.concatenate([fact_refs[lit.pred], refs])
            keep = first_occurrences([rows[:, j] for j in range(rows.shape[1])])
            rows, refs = rows[keep], refs[keep]
            order = np.lexsort(rows.T[::-1])
            tables[lit.pred], fact_refs[lit.pred] = rows[order], refs[order]


def _resolve_queries(program, queries, tables, bases, derived, query_example, sample_names=None):
    ground = _ground_query_atoms(queries, tables, bases, derived, query_example)
    vocab = program.vocab
    resolved = []
    for index, sample_queries in enumerate(queries):
        name = index if sample_names is None else sample_names[index]
        s = int(query_example[index])
        atoms = []
        for number, (pred, pattern, target, text) in enumerate(sample_queries):
            found = ground.get((index, number))
            if found is not None:  # a ground query, derived: looked up in bulk
                atoms.append((found, target, text))
                continue
            table = tables.get(pred)
            if table is None:
                raise QueryError(f"sample {name}: query {text} has no proof: no rule or fact defines "
                                 f"{vocab.predicate_text(pred)}")
            # tables are sorted by sample id (column 0), so the sample's rows are one slice
            lo, hi = np.searchsorted(table[:, 0], [s, s + 1])
            rows = table[lo:hi]
            mask = np.ones(len(rows), dtype=bool)
            for position, c in enumerate(pattern):
                if c >= 0:
                    mask &= rows[:, 1 + position] == c
            ids = bases[pred] + lo + np.flatnonzero(mask)
            ids = ids[derived[ids]] if -1 in pattern else ids
            if len(ids) == 0:
                raise QueryError(f"sample {name}: query {text} has no proof in this sample"
                                 + _missing_inputs(program, tables))
            if -1 not in pattern and not derived[ids[0]]:
                raise QueryError(f"sample {name}: query {text} is an input fact; only atoms derived by "
                                 "rules can be queried")
            for atom in ids:
                atoms.append((int(atom), target, text))
        resolved.append(atoms)
    return resolved


def _ground_query_atoms(queries, tables, bases, derived, query_example) -> dict[tuple[int, int], int]:
    """Atom ids of ground queries that exist and are derived, looked up per predicate in bulk.

    Returns {(sample, query number): atom id}; queries missing here (variables, no proof, input
    facts) are resolved one by one so that their errors can name them.
    """
    by_pred: dict[int, list] = {}
    for index, sample_queries in enumerate(queries):
        for number, (pred, pattern, _, _) in enumerate(sample_queries):
            if -1 not in pattern and pred in tables:
                by_pred.setdefault(pred, []).append((index, number, int(query_example[index]), pattern))
    found = {}
    for pred, entries in by_pred.items():
        table = tables[pred]
        if len(table) == 0:  # nothing to find: the per-query pass names the missing proof
            continue
        rows = np.array([[e[2], *e[3]] for e in entries], dtype=np.int64).reshape(len(entries), table.shape[1])
        keys, table_keys = joint_keys([rows[:, j] for j in range(rows.shape[1])],
                                      [table[:, j] for j in range(table.shape[1])])
        position = lookup(keys, table_keys)
        ids = np.where(position >= 0, bases[pred] + position, -1)
        ok = (ids >= 0) & derived[np.maximum(ids, 0)]
        for (index, number, _, _), atom, good in zip(entries, ids.tolist(), ok.tolist()):
            if good:
                found[(index, number)] = atom
    return found


def _missing_inputs(program, tables) -> str:
    """Name the body predicates that have neither facts nor derived atoms: a likely cause of no proof."""
    missing = sorted({lit.pred for rule in program.rules for lit in rule.literals
                      if lit.kind == "positive" and len(tables.get(lit.pred, ())) == 0})
    if not missing:
        return ""
    names = ", ".join(program.vocab.predicate_text(p) for p in missing)
    return f"; these relations used in rule bodies have no facts and no derived atoms in the dataset: {names}"


def _unroll(network: GroundNetwork, steps: int, sample_names=None) -> GroundNetwork:
    """Unroll rules `steps` times: the copy of a derived atom at step t reads step t - 1.

    Facts are available at every step. Copy t of atom a gets id t * N + a. On an acyclic
    network whose depth is at most `steps`, the copies at the last step have the exact values.
    """
    n = len(network.atom_pred)
    available = ~network.derived.copy()  # facts
    instances = {r: ([], []) for r in network.instances}
    for step in range(1, steps + 1):
        now = np.zeros(n, dtype=bool)
        for r, inst in network.instances.items():
            if len(inst.head) == 0:
                continue
            ready = available[inst.body].all(axis=1) if inst.body.shape[1] else np.ones(len(inst.head), bool)
            head, body = inst.head[ready], inst.body[ready]
            previous = np.where(network.derived[body], (step - 1) * n + body, body)
            instances[r][0].append(step * n + head)
            instances[r][1].append(previous)
            now[head] = True
        available = ~network.derived | now
    unrolled = {}
    for r, (heads, bodies) in instances.items():
        width = network.instances[r].body.shape[1]
        unrolled[r] = RuleInstances(np.concatenate(heads) if heads else np.zeros(0, dtype=np.int64),
                                    np.concatenate(bodies) if bodies else np.zeros((0, width), dtype=np.int64))
    copies = steps + 1
    derived = np.tile(network.derived, copies)
    derived[:n] = False
    queries = [[(steps * n + atom, target, text) for atom, target, text in atoms] for atoms in network.queries]
    result = GroundNetwork(network.num_samples, np.tile(network.atom_pred, copies),
                           np.tile(network.atom_sample, copies), network.atom_terms, derived,
                           np.tile(network.fact_ref, copies), np.zeros(n * copies, dtype=np.int64), unrolled,
                           queries, network.values)
    result.num_examples, result.query_example = network.num_examples, network.query_example
    is_head = np.zeros(n * copies, dtype=bool)
    for inst in unrolled.values():
        is_head[inst.head] = True
    for index, atoms in enumerate(queries):
        for atom, _, text in atoms:
            if not is_head[atom]:
                name = index if sample_names is None else sample_names[index]
                raise QueryError(f"sample {name}: query {text} has no proof within {steps} unrolled "
                                 f"step{'s' if steps > 1 else ''}; raise Settings(recursion_depth=...)")
    return result


def _softmax_groups(program, network) -> dict[int, np.ndarray]:
    """Per rule with SOFTMAX(agg_terms=...): the softmax group of every instance."""
    groups = {}
    for rule in program.rules:
        positions = rule.agg_group_positions
        head = network.instances[rule.index].head
        if positions is None or len(head) == 0:
            continue
        terms = network.terms_of(head)
        columns = [network.atom_sample[head]] + [terms[:, p] for p in positions]
        groups[rule.index] = np.unique(joint_keys(columns)[0], return_inverse=True)[1]
    return groups


def _keep_relevant(network: GroundNetwork, softmax_groups: dict[int, np.ndarray]) -> None:
    """Keep only atoms and instances that (transitively) support a query (backward reachability).

    A head aggregated by a grouped softmax needs every instance of its group.
    """
    reached = np.zeros(len(network.atom_pred), dtype=bool)
    for atoms in network.queries:
        for atom, _, _ in atoms:
            reached[atom] = True
    kept = {r: np.zeros(len(inst.head), dtype=bool) for r, inst in network.instances.items()}
    changed = True
    while changed:
        changed = False
        for r, inst in network.instances.items():
            fresh = reached[inst.head] & ~kept[r]
            if fresh.any() and r in softmax_groups:
                group = softmax_groups[r]
                fresh = np.isin(group, group[fresh]) & ~kept[r]
            if fresh.any():
                kept[r] |= fresh
                reached[inst.body[fresh].reshape(-1)] = True
                changed = True
    for r, inst in network.instances.items():
        network.instances[r] = RuleInstances(inst.head[kept[r]], inst.body[kept[r]])
    network.relevant = reached


def _depths(program, network: GroundNetwork) -> np.ndarray:
    """Depth of every atom; raise CyclicGroundingError naming one cycle if the network has one."""
    n = len(network.atom_pred)
    depth = np.zeros(n, dtype=np.int64)
    derived = np.zeros(n, dtype=bool)
    for inst in network.instances.values():
        derived[inst.head] = True
    network.derived = derived
    ready = ~derived
    pending = int(derived.sum())
    level = 0
    while pending:
        level += 1
        blocked = np.zeros(n, dtype=bool)
        for inst in network.instances.values():
            if len(inst.head) == 0:
                continue
            ok = ready[inst.body].all(axis=1) if inst.body.shape[1] else np.ones(len(inst.head), dtype=bool)
            blocked[inst.head[~ok]] = True
        new = derived & ~ready & ~blocked
        if not new.any():
            raise CyclicGroundingError(_cycle_message(program, network, derived & ~ready))
        depth[new] = level
        ready |= new
        pending -= int(new.sum())
    return depth


def _cycle_message(program, network, stuck) -> str:
    """Find one cycle among atoms that never become ready (plain DFS; only for the message)."""
    edges: dict[int, list[int]] = {}
    for inst in network.instances.values():
        for h, row in zip(inst.head.tolist(), inst.body.tolist()):
            if stuck[h]:
                edges.setdefault(h, []).extend(b for b in row if stuck[b])
    start = int(np.flatnonzero(stuck)[0])
    path, seen = [start], {start: 0}
    while True:
        nxt = next(iter(edges.get(path[-1], [])), None)
        if nxt is None:
            break
        if nxt in seen:
            cycle = path[seen[nxt]:] + [nxt]
            names = " <- ".join(network.atom_text(program.vocab, a) for a in cycle)
            sample = int(network.atom_sample[nxt])
            return (f"the ground network of sample {sample} is cyclic: {names}. Recursion over cyclic "
                    "data needs Settings(recursion_depth=k) to unroll it k steps.")
        seen[nxt] = len(path)
        path.append(nxt)
    return "the ground network is cyclic"

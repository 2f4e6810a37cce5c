"""Strongly connected components of the predicate dependency graph, in evaluation order."""
from __future__ import annotations

from ..errors import StratificationError


def strata_order(program) -> list[tuple[set[int], bool]]:
    """Components of head predicates in dependency order, each with a flag: recursive or not."""
    heads = sorted(program.head_predicates())
    edges: dict[int, set[int]] = {h: set() for h in heads}
    negative: dict[int, set[int]] = {h: set() for h in heads}
    for rule in program.rules:
        for lit in rule.literals:
            if lit.pred >= 0 and lit.pred in edges:
                edges[rule.head_pred].add(lit.pred)
                if lit.kind == "negated":
                    negative[rule.head_pred].add(lit.pred)
    components = _tarjan(heads, edges)
    result = []
    for component in components:  # Tarjan emits dependencies first
        recursive = len(component) > 1 or any(h in edges[h] for h in component)
        for head in component:
            cyclic = negative[head] & component
            if cyclic:
                names = " -> ".join(program.vocab.predicate_text(p) for p in sorted(component))
                raise StratificationError(
                    f"{program.vocab.predicate_text(head)} depends on itself through the negation of "
                    f"{program.vocab.predicate_text(min(cyclic))} (cycle among {names}); negation through "
                    "recursion has no stratified meaning. Remove the cycle through negation.")
        result.append((component, recursive))
    return result


def _tarjan(nodes, edges) -> list[set[int]]:
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    result: list[set[int]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                result.append(component)
    return result


__all__ = ["strata_order", "StratificationError"]

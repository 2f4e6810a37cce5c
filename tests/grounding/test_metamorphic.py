"""Metamorphic properties of grounding: monotonicity, renaming and reordering invariance."""
from dataclasses import replace

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from lrnn import Template
from lrnn.language.dsl import Rule
from lrnn.language.terms import Constant
from lrnn.testing import vectorized_ground
from lrnn.testing.strategies import as_samples, logic_programs

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RENAMING = {"a": "aa", "b": "bb", "c": "cc"}  # keeps the string order that lt/gt builtins see


def models(template, fact_lists):
    return [g.model for g in vectorized_ground(template, as_samples(fact_lists))]


def has_negation(template):
    return any(lit.negated for rule in template.rules for lit in rule.literals())


def rename_atom(atom):
    terms = tuple(Constant(RENAMING.get(t.name, t.name)) if isinstance(t, Constant) else t for t in atom.terms)
    return replace(atom, terms=terms)


def rename_text(text):
    for old, new in RENAMING.items():
        text = text.replace(f"({old},", f"({new},").replace(f" {old},", f" {new},")
        text = text.replace(f" {old})", f" {new})").replace(f"({old})", f"({new})")
    return text


def rename_rule(rule):
    if not isinstance(rule, Rule):
        return rename_atom(rule) if hasattr(rule, "terms") else rule
    body = tuple(rename_atom(item) if hasattr(item, "terms") else item for item in rule.body)
    return replace(rule, head=rename_atom(rule.head), body=body)


@FUZZ
@given(logic_programs(), st.data())
def test_duplicate_body_literal_changes_nothing(program, data):
    template, fact_lists = program
    note(f"template:\n{template}facts: {fact_lists}")
    index = data.draw(st.integers(0, len(template.rules) - 1))
    rule = template.rules[index]
    positives = [item for item in rule.body if not item.negated and not item.special]
    extra = data.draw(st.sampled_from(positives)) if positives else rule.body[0]
    changed = Template([replace(r, body=r.body + (extra,)) if i == index else r
                        for i, r in enumerate(template.rules)])
    assert models(changed, fact_lists) == models(template, fact_lists)


@FUZZ
@given(logic_programs(), logic_programs())
def test_adding_a_rule_never_removes_atoms(program, other):
    template, fact_lists = program
    note(f"template:\n{template}facts: {fact_lists}")
    if has_negation(template) or has_negation(other[0]):
        return  # only negation-free programs are monotone in their rules
    extended = Template(list(template) + [other[0].rules[0]])
    for before, after in zip(models(template, fact_lists), models(extended, fact_lists)):
        assert before <= after, f"lost {sorted(before - after)}"


@FUZZ
@given(logic_programs())
def test_adding_facts_never_removes_atoms_without_negation(program):
    template, fact_lists = program
    note(f"template:\n{template}facts: {fact_lists}")
    if has_negation(template) or len(fact_lists) < 2:
        return
    merged = [fact_lists[0] + fact_lists[1]]
    assert models(template, fact_lists[:1])[0] <= models(template, merged)[0]


@FUZZ
@given(logic_programs(), st.randoms(use_true_random=False))
def test_fact_order_does_not_matter(program, random):
    template, fact_lists = program
    note(f"template:\n{template}facts: {fact_lists}")
    shuffled = [random.sample(facts, len(facts)) for facts in fact_lists]
    before = vectorized_ground(template, as_samples(fact_lists))
    after = vectorized_ground(template, as_samples(shuffled))
    for b, a in zip(before, after):
        assert a.model == b.model
        assert a.instance_counts == b.instance_counts


@FUZZ
@given(logic_programs())
def test_renaming_constants_renames_atoms(program):
    template, fact_lists = program
    note(f"template:\n{template}facts: {fact_lists}")
    renamed_template = Template([rename_rule(entry) for entry in template])
    renamed_facts = [[rename_atom(f) for f in facts] for facts in fact_lists]
    before = vectorized_ground(template, as_samples(fact_lists))
    after = vectorized_ground(renamed_template, as_samples(renamed_facts))
    for b, a in zip(before, after):
        assert a.model == {rename_text(text) for text in b.model}
        assert a.instances == {(r, rename_text(h), tuple(rename_text(t) for t in body))
                               for r, h, body in b.instances}


def test_rename_text_helper():
    assert rename_text("e(a, b)") == "e(aa, bb)"
    assert rename_text("u(c)") == "u(cc)"
    assert rename_text("t(a, 1, c)") == "t(aa, 1, cc)"

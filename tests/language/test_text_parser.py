"""The text-format parser: templates, values, metadata, relation lines, examples and queries."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrnn import Aggregation, C, Combination, Metadata, R, Template, Transformation, V
from lrnn.language.dsl import ALL_VARIABLES, Atom, Expression, RelationSettings, Rule
from lrnn.language.terms import Constant, Variable
from lrnn.language.text import load_dataset, load_template, parse_dataset, parse_facts, parse_template
from lrnn.language.text.parser import parse_clauses
from lrnn.language.text.scanner import scan_clauses


def only(text):
    (entry,) = list(parse_template(text))
    return entry


# -- clauses, comments, whitespace --


def test_rule_and_fact():
    template = parse_template("h(X) :- b(X, Y), c(Y).\n0.7 bias.\n*next(0, 1).")
    rule, bias, fact = list(template)
    assert rule == (R.h(V.X) <= (R.b(V.X, V.Y), R.c(V.Y)))
    assert bias == R.bias[0.7]
    assert fact == R.hidden.next(0, 1)


def test_both_rule_separators():
    assert only("h <= b.") == only("h :- b.")


def test_comments_and_whitespace():
    text = """% a comment
    h(X) :-   /* block
    comment */ b(X),   % trailing
        c(X)
    .
    """
    assert only(text) == (R.h(V.X) <= (R.b(V.X), R.c(V.X)))


def test_empty_template():
    assert len(parse_template("% nothing here\n")) == 0


# -- terms --


def test_number_constants_keep_their_text():
    rule = only("h :- n(1), n(1.0), n(-2).")
    assert [lit.terms[0] for lit in rule.body] == [Constant("1"), Constant("1.0"), Constant("-2")]


def test_quoted_constant():
    assert only("h :- b(\"New York\", 'x').").body[0].terms == (Constant("New York"), Constant("x"))


def test_anonymous_variable_is_fresh():
    first, second = only("h :- b(_, _).").body[0].terms
    assert isinstance(first, Variable)
    assert first != second


def test_underscore_named_variable_is_kept():
    (term,) = only("h :- b(_12).").body[0].terms
    assert term == Variable("_12")


def test_alldiff_ellipsis():
    literal = only("h(X) :- b(X, Y), @alldiff(...).").body[1]
    assert literal.special
    assert literal.terms == (ALL_VARIABLES,)


# -- literal prefixes --


def test_literal_prefixes():
    negated, soft, hidden, special = only("h(X) :- !a(X), ~b(X), *c(X), @eq(X, X).").body
    assert negated == ~R.a(V.X)
    assert soft == -R.b(V.X)
    assert soft.function == Transformation.REVERSE
    assert hidden == R.hidden.c(V.X)
    assert special == R.special.eq(V.X, V.X)


def test_weighted_soft_negation():
    literal = only("b3 :- 2 ~x.").body[0]
    assert literal.function == Transformation.REVERSE
    assert literal.value.initial[0, 0] == 2.0


# -- values --


@pytest.mark.parametrize("text, shape, initial", [
    ("0.5", (1, 1), [[0.5]]),
    ("-1", (1, 1), [[-1.0]]),
    ("1e-3", (1, 1), [[0.001]]),
    ("[1, 2]", (2, 1), [[1.0], [2.0]]),
    ("[[1, 2]]", (1, 2), [[1.0, 2.0]]),
    ("[[1, 2], [3, 4]]", (2, 2), [[1.0, 2.0], [3.0, 4.0]]),
    ("[[1,2] [3,4]]", (2, 2), [[1.0, 2.0], [3.0, 4.0]]),
])
def test_value_forms(text, shape, initial):
    value = only(f"{text} h :- b.").head.value
    assert value.shape == shape
    np.testing.assert_array_equal(value.initial, np.array(initial))
    assert not value.fixed


@pytest.mark.parametrize("text, shape", [("{3, 3}", (3, 3)), ("{8}", (8, 1)), ("{1, 8}", (1, 8)), ("{1}", (1, 1))])
def test_dimension_forms(text, shape):
    value = only(f"h :- {text} b.").body[0].value
    assert value.shape == shape
    assert value.initial is None


def test_numbers_are_exact_floats():
    assert only("0.3 x.").value.initial[0, 0] == 0.3


def test_fixed_and_named_values():
    fixed, named, both, fixed_vector = only("h :- <0.5> a, $w=0.5 b, $v=<0.5> c, <[1, 2]> d.").body
    assert fixed.value == R.a[0.5].fixed().value
    assert named.value == R.b["w": 0.5].value
    assert both.value.name == "v"
    assert both.value.fixed
    assert fixed_vector.value.fixed
    assert fixed_vector.value.shape == (2, 1)


def test_named_dimensions():
    assert only("h :- $w={2, 2} a.").body[0].value == R.a["w": 2, 2].value


def test_rule_offset():
    rule = only("hidden1 :- 1 x, -1 y, 0.5. [activation=signum]")
    assert rule.offset.initial[0, 0] == 0.5
    assert len(rule.body) == 2
    assert rule.metadata.transformation == Transformation.SIGNUM


def test_fixed_rule_offset():
    rule = only("{1, 3} predict :- atom(A), <-7>.")
    assert rule.offset.fixed
    assert rule.offset.initial[0, 0] == -7.0


# -- body expressions --


def test_function_on_literal():
    literal = only("h :- #sigmoid(a).").body[0]
    assert literal == Transformation.SIGMOID(R.a)


def test_weighted_function():
    literal = only("h :- 0.5 #sigmoid(a).").body[0]
    assert literal == Transformation.SIGMOID(R.a)[0.5]


def test_parametrised_body_function():
    assert only("h :- #leaky_relu[alpha=0.2](a).").body[0] == Transformation.LEAKY_RELU(alpha=0.2)(R.a)
    assert only("h :- #leaky_relu[0.2](a).").body[0] == Transformation.LEAKY_RELU(alpha=0.2)(R.a)


def test_combination_expression():
    expression = only("h :- #concat[axis=0](a, 2 b).").body[0]
    assert isinstance(expression, Expression)
    assert expression == Combination.CONCAT(axis=0)(R.a, R.b[2])


def test_single_argument_shared_name():
    transformation, combination, two = only("h :- #softmax(a), #combination.softmax(a), #softmax(a, b).").body
    assert transformation == Transformation.SOFTMAX(R.a)
    assert combination == Combination.SOFTMAX(R.a)
    assert two == Combination.SOFTMAX(R.a, R.b)


def test_nested_expression():
    expression = only("h :- #tanh(#sum(a, b)).").body[0]
    assert expression == Transformation.TANH(R.a + R.b)


# -- metadata --


def test_metadata_keys():
    rule = only("h :- b. [activation=tanh, aggregation=max, combination=avg, duplicate_grounding=true]")
    assert rule.metadata == Metadata(transformation=Transformation.TANH, aggregation=Aggregation.MAX,
                                     combination=Combination.AVG, duplicate_grounding=True)


def test_metadata_offset_and_learnable_ignored_on_rules():
    assert only("h :- b. [offset=1.0, learnable=false]").metadata == Metadata()


def test_combined_activation_spelling():
    rule = only("h :- b. [activation=elementproduct-tanh]")
    assert rule.metadata.combination == Combination.ELPRODUCT
    assert rule.metadata.transformation == Transformation.TANH


@pytest.mark.parametrize("text, expected", [
    ("transformation=leaky_relu(alpha=0.2)", Transformation.LEAKY_RELU(alpha=0.2)),
    ("transformation=leaky_relu(0.2)", Transformation.LEAKY_RELU(alpha=0.2)),
    ("transformation=slice(rows=(1, 3), cols=(0, 2))", Transformation.SLICE(rows=(1, 3), cols=(0, 2))),
    ("transformation=reshape(shape=(2, 2))", Transformation.RESHAPE(shape=(2, 2))),
    ("transformation=reshape(shape=(4,))", Transformation.RESHAPE(shape=(4,))),
    ("combination=concat(axis=0)", Combination.CONCAT(axis=0)),
    ("aggregation=softmax(agg_terms=[Y])", Aggregation.SOFTMAX(agg_terms=[V.Y])),
])
def test_parametrised_metadata(text, expected):
    metadata = only(f"h(X) :- b(X, Y). [{text}]").metadata
    assert expected in (metadata.transformation, metadata.combination, metadata.aggregation)


def test_agg_terms_are_variable_names():
    aggregation = only("h(X) :- b(X, Y). [aggregation=softmax(agg_terms=[Y])]").metadata.aggregation
    assert aggregation.param("agg_terms") == ("Y",)


# -- relation lines --


def test_relation_lines():
    template = parse_template("xor/0 [activation=tanh]\nxor / 0 [activation=tanh]\natom_embed/1 {3,1}\n"
                              "off/0 0.25\nfix/0 [offset=1.0, activation=identity]\n")
    plain, spaced, embed, off, fixed = list(template)
    assert plain == RelationSettings("xor", 0, Metadata(transformation=Transformation.TANH))
    assert spaced == plain
    assert embed.offset.shape == (3, 1)
    assert embed.offset.initial is None
    assert off.offset.initial[0, 0] == 0.25
    assert not off.offset.fixed
    assert fixed.offset.fixed
    assert fixed.metadata.transformation == Transformation.IDENTITY


def test_relation_line_followed_by_rule():
    template = parse_template("predict/0 {1}\n{1, 3} predict :- b.")
    assert template[0].offset.shape == (1, 1)
    assert isinstance(template[1], Rule)


def test_relation_line_with_optional_dot():
    assert parse_template("h/1.\n0.5 b.")[0] == RelationSettings("h", 1)


# -- imports --


def test_import_relative_to_file(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("a :- b.\n")
    (tmp_path / "sub" / "b.txt").write_text("import ./c.txt\nb :- c.\n")
    (tmp_path / "sub" / "c.txt").write_text("c :- d.\n")
    (tmp_path / "main.txt").write_text("first :- x.\nimport ./sub/a.txt, ./sub/b.txt\nlast :- y.\n")
    template = load_template(tmp_path / "main.txt")
    assert [rule.head.name for rule in template] == ["first", "a", "c", "b", "last"]


def test_parse_template_imports_relative_to_source(tmp_path):
    (tmp_path / "a.txt").write_text("a :- b.\n")
    main = tmp_path / "main.txt"
    main.write_text("import ./a.txt\n")
    assert len(parse_template(main.read_text(), source=str(main))) == 1


# -- examples and queries --


def test_examples_with_queries_file():
    dataset = parse_dataset("a(x), 0.5 b(x).\nc(y).\n", "1.0 q(x).\n0.0 q(y).\n")
    assert len(dataset) == 2
    first, second = dataset
    assert first.query == R.q(C.x)[1.0]
    assert first.facts == [R.a(C.x), R.b(C.x)[0.5]]
    assert second.query.value.initial[0, 0] == 0.0
    assert second.facts == [R.c(C.y)]
    assert first.name == "<queries>:1"


def test_query_without_target():
    (sample,) = parse_dataset("a.", "q.")
    assert sample.query.value is None


def test_one_example_many_queries():
    dataset = parse_dataset("a(x),\nb(x).", "1.0 q(x).\n0.0 q(y).\n1.0 r.")
    assert len(dataset) == 3
    assert all(sample.facts == [R.a(C.x), R.b(C.x)] for sample in dataset)


def test_several_queries_in_one_clause():
    dataset = parse_dataset("a.\nb.", "1.0 q, 0.0 r.\n1.0 q.")
    assert [sample.query.name for sample in dataset] == ["q", "r", "q"]
    assert dataset[1].facts == [R.a]


def test_queries_by_example_id():
    dataset = parse_dataset("ex1 :- e(a, b), 2.0 e(a, c), [1.0, 2.0] g(a).\nex2 :- e(b, b).",
                            "ex2 :- 1.0 q(b).\nex1 :- 0.7 q(a), 1.0 b1.")
    assert [sample.name for sample in dataset] == ["ex2", "ex1", "ex1"]
    assert dataset[0].facts == [R.e(C.b, C.b)]
    assert dataset[1].query == R.q(C.a)[0.7]
    assert dataset[1].facts[2].value.shape == (2, 1)


def test_labelled_examples():
    dataset = parse_dataset("<1> xor :- <0> a, <1> b.\n0 xor :- 0 x, 1 y.")
    first, second = dataset
    assert first.query == R.xor[1.0]
    assert not first.query.value.fixed
    assert first.facts == [R.a[0.0], R.b[1.0]]
    assert not first.facts[0].value.fixed
    assert second.query == R.xor[0.0]
    assert second.facts == [R.x[0.0], R.y[1.0]]


def test_blank_queries_use_labels():
    assert len(parse_dataset("<1> xor :- <0> a.", "  \n")) == 1


def test_rules_in_examples():
    dataset = parse_dataset("a(x).\nh(X) :- a(X). [activation=tanh]\nb(y).", "q.\nq.")
    first, second = dataset
    assert first.facts[0] == R.a(C.x)
    assert isinstance(first.facts[1], Rule)
    assert first.facts[1].metadata.transformation == Transformation.TANH
    assert second.facts == [R.b(C.y)]


def test_parse_facts():
    assert parse_facts("a(b), 0.5 c.\nd.") == [R.a(C.b), R.c[0.5], R.d]


def test_load_dataset(tmp_path):
    (tmp_path / "examples.txt").write_text("a.\nb.\n")
    (tmp_path / "queries.txt").write_text("1 q.\n0 q.\n")
    dataset = load_dataset(tmp_path / "examples.txt", tmp_path / "queries.txt")
    assert len(dataset) == 2
    assert dataset[1].name.endswith("queries.txt:2")


# -- the fast path --


def test_fast_path_equals_grammar():
    text = "bond(d1, d2, 7), 0.5 c(d1), <1> h(d2)\n, -2e3 n.\n% comment\nex :- a(b).\n" \
           "<0> xor :- <[0, 1]> xy.\nh(X) :- a(X). [activation=tanh]\nq(x), *hidden(y)."
    assert scan_clauses(text, "t") == parse_clauses(text, "t", examples=True)


_names = st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True)
_numbers = st.one_of(st.integers(-100, 100).map(str),
                     st.floats(-1e6, 1e6, allow_nan=False).map(repr),
                     st.sampled_from(["1e-3", "2E+5", "+1", "-0.0", "007"]))
_terms = st.lists(st.one_of(_names, _numbers), max_size=4)
_spaces = st.sampled_from(["", " ", "  ", "\n", "\t "])


@st.composite
def fact_clauses(draw):
    items = []
    for _ in range(draw(st.integers(1, 5))):
        value = draw(st.one_of(st.none(), _numbers, _numbers.map(lambda n: f"<{n}>")))
        terms = draw(_terms)
        gap = draw(_spaces)
        item = (f"{value}{gap or ' '}" if value is not None else "") + draw(_names)
        if terms:
            item += "(" + f",{gap}".join(terms) + ")"
        items.append(item)
    head = draw(st.one_of(st.none(), _names))
    body = ", ".join(items)
    return (f"{head} :- {body}." if head else f"{body}.") + draw(_spaces)


@settings(max_examples=100, deadline=None)
@given(st.lists(fact_clauses(), min_size=1, max_size=4))
def test_fast_path_equals_grammar_on_random_facts(clauses):
    text = "\n".join(clauses)
    assert scan_clauses(text, "t") == parse_clauses(text, "t", examples=True)


def test_fast_path_line_numbers():
    clauses = scan_clauses("a.\n\n  b(c),\n d.\n", "t")
    assert [(c.line, c.column) for c in clauses] == [(1, 1), (3, 3)]


def test_template_round_trip_of_parsed_text():
    template = parse_template("{1,8} xor :- {8,2} xy. [activation=tanh]\nxor / 0 [activation=tanh]")
    assert parse_template(str(template)) == template
    assert isinstance(template, Template)
    assert isinstance(template[0].body[0], Atom)

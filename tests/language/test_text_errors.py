"""Malformed templates, facts, files and DSL expressions: each raises a precise error with a useful message."""
import re

import pytest

from lrnn import (
    Aggregation,
    DatasetError,
    ParseError,
    R,
    SettingsError,
    Template,
    TemplateError,
    Transformation,
    UnknownFunctionError,
    V,
    WeightError,
)
from lrnn.language.text import load_dataset, load_template, parse_dataset, parse_facts, parse_template
from lrnn.settings import Settings

# (text, error class, message pattern). Patterns start with the file:line:column of the problem.
TEMPLATE_CASES = [
    ("{0.5} h :- b.", ParseError, r"^t\.txt:1:2: braces hold the dimensions"),
    ("h :- {2.0} b.", ParseError, r"^t\.txt:1:7: braces hold the dimensions"),
    ("h :- b", ParseError, r"^t\.txt:1:1: the clause starting here is not terminated"),
    ("a :- b.\n\nh :- b,\n  c\n", ParseError, r"^t\.txt:3:1: the clause starting here is not terminated"),
    ("h :- b\ng :- c.", ParseError, r"^t\.txt:2:1: unexpected name 'g'.*clause starting at line 1 may be missing"),
    ("h :- .", ParseError, r"^t\.txt:1:1: the rule for h has an empty body"),
    ("h(X :- b.", ParseError, r"^t\.txt:1:5: unexpected ':-', expected '\)' or ','"),
    ("h :- b(X.", ParseError, r"^t\.txt:1:9: unexpected '\.'"),
    ("h :- [1, 2 b.", ParseError, r"^t\.txt:1:12: unexpected name 'b'"),
    ("h :- [[1, 2], [3]] b.", WeightError, r"^t\.txt:1:6: the rows of a matrix have different lengths"),
    ("h :- [[1, 2], 3] b.", WeightError, r"^t\.txt:1:6: a matrix mixes numbers and rows"),
    ("h :- [[[1]]] b.", WeightError, r"^t\.txt:1:6: .*3 dimensions"),
    ("h :- {0, 2} b.", WeightError, r"^t\.txt:1:6: .*dimension 0 must be a positive integer"),
    ("h :- {1, 2, 3} b.", WeightError, r"^t\.txt:1:6: .*must have one or two entries"),
    ("h :- 1e999 b.", WeightError, r"^t\.txt:1:6: the value inf is not finite"),
    ("h :- b. [activation=foo]", UnknownFunctionError, r"^t\.txt:1:21: unknown transformation 'foo'"),
    ("h :- b. [aggregation=tanh]", UnknownFunctionError, r"^t\.txt:1:22: unknown aggregation 'tanh'"),
    ("h :- b. [foo=1]", ParseError, r"^t\.txt:1:10: unknown metadata key 'foo'"),
    ("h :- b. [activation=tanh, activation=relu]", ParseError, r"^t\.txt:1:27: metadata key 'activation' is given"),
    ("h :- b. [activation=0.5]", ParseError, r"^t\.txt:1:21: metadata key 'activation' takes a function name"),
    ("h :- b. [duplicate_grounding=maybe]", ParseError, r"^t\.txt:1:30: .*takes true or false"),
    ("h :- b. [offset=tanh]", ParseError, r"^t\.txt:1:17: offset needs a value"),
    ("h :- b. [activation=leaky_relu(beta=1)]", TemplateError, r"^t\.txt:1:21: .*no parameter 'beta'"),
    ("h :- b. [aggregation=sum(axis=1)]", TemplateError, r"^t\.txt:1:22: .*takes no parameters"),
    ("h :- b. [activation=leaky_relu(alpha=0.1, 0.2)]", ParseError,
     r"^t\.txt:1:43: a positional parameter cannot follow a named one"),
    ("h :- b. [combination=sum-tanh]", ParseError, r"^t\.txt:1:22: metadata key 'combination' takes one"),
    ("xor/0 [aggregation=sum]", ParseError, r"^t\.txt:1:8: relation xor/0 cannot have an aggregation"),
    ("xor/0 [duplicate_grounding=true]", ParseError, r"^t\.txt:1:8: unknown metadata key 'duplicate_grounding'"),
    ("xor/0 0.5 [offset=1.0]", ParseError, r"^t\.txt:1:11: relation xor/0 has two offsets"),
    ("xor/1.5 [activation=tanh]", ParseError, r"^t\.txt:1:5: the arity of relation xor must be a non-negative"),
    ("$w= a :- b.", ParseError, r"^t\.txt:1:5: unexpected name 'a', expected"),
    ("h :- $ b.", ParseError, r"^t\.txt:1:6: invalid character '\$'"),
    ("h :- b ^ c.", ParseError, r"^t\.txt:1:8: invalid character '\^'"),
    ("/* never closed\nh :- b.", ParseError, r"^t\.txt:1:1: the comment starting here is not closed"),
    ("h :- #foo(a).", UnknownFunctionError, r"^t\.txt:1:7: unknown body function 'foo'"),
    ("h :- #max[axis=0](a, b).", TemplateError, r"^t\.txt:1:10: .*takes no parameters"),
    ("h :- #sigmoid(a, b).", TemplateError, r"^t\.txt:1:6: .*takes one literal or expression, got 2"),
    ("h :- #aggregation.sum(a).", ParseError, r"^t\.txt:1:7: a body function is qualified as"),
    ("h :- #sigmoid(a, 0.5).", ParseError, r"^t\.txt:1:18: a value alone \(0\.5\) cannot be a function argument"),
    ("h :- 0.5 #concat(a, b).", ParseError, r"^t\.txt:1:10: a weight cannot precede the expression"),
    ("h :- 0.5 !a.", ParseError, r"^t\.txt:1:10: the negated literal !a cannot carry a weight"),
    ("h :- 0.5, a.", ParseError, r"^t\.txt:1:6: a value alone \(0\.5\) in a rule body is the rule's offset"),
    ("h, g :- a.", ParseError, r"^t\.txt:1:1: a rule has one head literal"),
    ("0.5 :- a.", ParseError, r"^t\.txt:1:1: the head of a rule must be a literal"),
    ("!h :- a.", TemplateError, r"^t\.txt:1:1: rule head !h cannot be negated"),
    ("h(...) :- a(X).", TemplateError, r"^t\.txt:1:1: rule head h\(\.\.\.\) cannot use the \.\.\. shorthand"),
    ("a, b.", ParseError, r"^t\.txt:1:1: a template clause without ':-' is one fact, but this one has 2"),
    ("0.5.", ParseError, r"^t\.txt:1:1: a value alone \(0\.5\) is not a fact"),
    ("a(X).", TemplateError, r"^t\.txt:1:1: template fact: fact a\(X\) has the variable X"),
    ("a. [activation=tanh]", ParseError, r"^t\.txt:1:1: metadata in \[\.\.\.\] follows rules only"),
    ("#sigmoid(a).", TemplateError, r"^t\.txt:1:1: template fact: #sigmoid\(a\) cannot be a fact"),
    ("#sum(a, b).", ParseError, r"^t\.txt:1:1: the expression #sum\(a, b\) cannot be a fact"),
    ("!a.", TemplateError, r"^t\.txt:1:1: template fact: !a cannot be a fact"),
]


@pytest.mark.parametrize("text, error, pattern", TEMPLATE_CASES, ids=[c[0][:40] for c in TEMPLATE_CASES])
def test_bad_template(text, error, pattern):
    with pytest.raises(error, match=pattern):
        parse_template(text, source="t.txt")


def test_bad_input_count():
    assert len(TEMPLATE_CASES) + len(DATA_CASES) + len(DSL_CASES) >= 40


def test_errors_never_leak_lark():
    for text, _, _ in TEMPLATE_CASES:
        try:
            parse_template(text, source="t.txt")
        except Exception as error:  # noqa: BLE001 - the test inspects every error
            assert type(error).__module__.startswith("lrnn"), (text, error)
            assert error.__cause__ is None or type(error.__cause__).__module__.startswith("lrnn")


# -- facts, examples and queries --

DATA_CASES = [
    ("a(b), c(X).", None, ParseError, r"^e\.txt:1:7: the fact c\(X\) has the variable X"),
    ("a, #sigmoid(b).", None, ParseError, r"^e\.txt:1:4: #sigmoid\(b\) is not a fact"),
    ("a, 0.5.", None, ParseError, r"^e\.txt:1:4: a value alone \(0\.5\) is not a fact"),
    ("a(b, c.", None, ParseError, r"^e\.txt:1:7: unexpected '\.'"),
    ("a(b),\nc(d)\n", None, ParseError, r"^e\.txt:1:1: the clause starting here is not terminated"),
    ("a.\nb.\nc.", "1 q.\n0 q.", DatasetError, r"<queries> has 2 query clauses but e\.txt has 3 examples"),
    ("a.", None, DatasetError, r"^e\.txt:1:1: this example has no query"),
    ("<1> q :- a.", "1 q.", DatasetError, r"^e\.txt:1:1: the example q has a target"),
    ("ex1 :- a.", "ex2 :- 1 q.", DatasetError, r"^<queries>:1: no example has the id ex2"),
    ("ex1 :- a.\nex1 :- b.", "ex1 :- 1 q.", DatasetError, r"^e\.txt:2: the example id ex1 is used twice"),
    ("a.\nb.", "ex1 :- 1 q.\n1 q.", DatasetError, r"some query clauses name an example id and some do not"),
    ("a.", "q :- .", ParseError, r"^<queries>:1:1: the query clause has no queries"),
    ("a.", "!q.", ParseError, r"^<queries>:1:1: !q is not a query"),
    ("q/0 [activation=tanh]", None, ParseError, r"^e\.txt:1:1: relation settings such as q/0"),
    ("h(X) :- a(X).", None, ParseError, r"^e\.txt: the examples file has rules but no examples"),
    ("a, b. [activation=tanh]", None, ParseError, r"^e\.txt:1:1: metadata in \[\.\.\.\] follows rules only"),
]


@pytest.mark.parametrize("examples, queries, error, pattern", DATA_CASES, ids=[c[0][:30] for c in DATA_CASES])
def test_bad_dataset(examples, queries, error, pattern):
    with pytest.raises(error, match=pattern):
        parse_dataset(examples, queries, source="e.txt")


def test_parse_facts_rejects_rules():
    with pytest.raises(ParseError, match=r"^<facts>:1:1: expected facts"):
        parse_facts("h :- a.")


# -- files --


def test_missing_import(tmp_path):
    main = tmp_path / "main.txt"
    main.write_text("a :- b.\nimport ./missing.txt\n")
    with pytest.raises(ParseError, match=r"main\.txt:2:8: imported file '.*missing\.txt' not found"):
        load_template(main)


def test_import_cycle(tmp_path):
    (tmp_path / "a.txt").write_text("import ./b.txt\n")
    (tmp_path / "b.txt").write_text("x :- y.\nimport ./a.txt\n")
    with pytest.raises(ParseError, match=r"b\.txt:2:8: import cycle: a\.txt -> b\.txt -> a\.txt"):
        load_template(tmp_path / "a.txt")


def test_error_inside_imported_file(tmp_path):
    (tmp_path / "sub.txt").write_text("ok :- a.\nbad :- [1, 2 b.\n")
    (tmp_path / "main.txt").write_text("import ./sub.txt\n")
    with pytest.raises(ParseError, match=r"sub\.txt:2:14: unexpected name 'b'"):
        load_template(tmp_path / "main.txt")


def test_missing_template_file(tmp_path):
    with pytest.raises(ParseError, match=r"template file '.*nothing\.txt' not found"):
        load_template(tmp_path / "nothing.txt")


def test_missing_examples_file(tmp_path):
    with pytest.raises(DatasetError, match=r"cannot read the examples file"):
        load_dataset(tmp_path / "nothing.txt")


def test_mismatch_names_both_files(tmp_path):
    (tmp_path / "examples.txt").write_text("a.\nb.\n")
    (tmp_path / "queries.txt").write_text("1 q.\n1 q.\n1 q.\n")
    with pytest.raises(DatasetError, match=r"queries\.txt has 3 query clauses but .*examples\.txt has 2"):
        load_dataset(tmp_path / "examples.txt", tmp_path / "queries.txt")


# -- the Python DSL --

DSL_CASES = [
    (lambda: R.h[0.5](V.X), TemplateError, "terms cannot be given after the weight"),
    (lambda: R.h["w"], WeightError, "a weight name is written"),
    (lambda: R.a[[1, 2], [3]], WeightError, "invalid weight dimensions"),
    (lambda: R.a[[[1, 2], [3]]], WeightError, "invalid value"),
    (lambda: R.a[0, 2], WeightError, "dimension 0 must be a positive integer"),
    (lambda: R.a[2.5, 3], WeightError, "invalid weight dimensions"),
    (lambda: R.a[1, 2, 3], WeightError, "must have one or two entries"),
    (lambda: R.a[float("nan")], WeightError, "is not finite"),
    (lambda: R.a[[]], WeightError, "empty value"),
    (lambda: R.a["w":], WeightError, "has no value or dimensions"),
    (lambda: R.a[0.5][1], WeightError, "already has the weight"),
    (lambda: R.a.fixed(), WeightError, "has no weight to fix"),
    (lambda: Transformation.FOO, UnknownFunctionError, "unknown transformation 'FOO'"),
    (lambda: Aggregation.SUM(R.a), TemplateError, "aggregates groundings of a rule"),
    (lambda: R.h / 1 | [Aggregation.SUM], TemplateError, "attach it to a rule, not to a relation"),
    (lambda: ~R.a[0.5], TemplateError, "cannot be negated"),
    (lambda: Settings(foo=1), SettingsError, "unknown settings"),
    (lambda: R.h <= (), TemplateError, "empty body"),
    (lambda: R.h <= 3, TemplateError, "invalid body item 3"),
    (lambda: R.h(V.X)(V.Y), TemplateError, "a relation is called once"),
    (lambda: R.h / -1, TemplateError, "must be a non-negative integer"),
    (lambda: (R.h <= R.b) | [Transformation.TANH, Transformation.RELU], TemplateError, "two transformations"),
    (lambda: Transformation.SIGMOID(R.a, R.b), TemplateError, "takes one literal or expression"),
    (lambda: Transformation.LEAKY_RELU(beta=1), TemplateError, "no parameter 'beta'"),
    (lambda: R.a(True), TemplateError, "booleans are not terms"),
    (lambda: Template().add(R.a(V.X)), TemplateError, "has the variable X"),
]


@pytest.mark.parametrize("build, error, pattern", DSL_CASES, ids=[c[2][:30] for c in DSL_CASES])
def test_bad_dsl(build, error, pattern):
    with pytest.raises(error, match=re.escape(pattern)):
        build()


def test_parse_template_given_a_file_name(tmp_path):
    path = tmp_path / "template.txt"
    path.write_text("h :- b.\n")
    with pytest.raises(ParseError, match="got the file name .* read a file with lrnn.load_template"):
        parse_template(str(path))

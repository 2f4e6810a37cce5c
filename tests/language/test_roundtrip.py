"""Templates survive printing and parsing: `parse_template(str(t)) == t`."""
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrnn import Aggregation, C, Combination, Metadata, R, Template, Transformation, V
from lrnn.language.dsl import RelationSettings, Rule, apply_function
from lrnn.language.terms import Constant, Variable
from lrnn.language.text import parse_template

_names = st.from_regex(r"[a-z][a-z0-9_]{0,4}", fullmatch=True).filter(lambda n: n != "import")
_variables = st.one_of(st.from_regex(r"[A-Z][A-Za-z0-9]{0,2}", fullmatch=True),
                       st.integers(0, 999).map(lambda i: f"_{i}")).map(Variable)
_constants = st.one_of(_names, st.sampled_from(["1", "1.0", "-2", "0.25", "New York", 'say "hi"', "Abc"])).map(Constant)
_floats = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@st.composite
def values(draw):
    kind = draw(st.sampled_from(["scalar", "column", "row", "matrix", "dims"]))
    if kind == "scalar":
        item = draw(_floats)
    elif kind == "column":
        item = draw(st.lists(_floats, min_size=2, max_size=4))
    elif kind == "row":
        item = [draw(st.lists(_floats, min_size=2, max_size=4))]
    elif kind == "matrix":
        cols = draw(st.integers(1, 3))
        item = draw(st.lists(st.lists(_floats, min_size=cols, max_size=cols), min_size=2, max_size=3))
    else:
        item = tuple(draw(st.lists(st.integers(1, 9), min_size=1, max_size=2)))
    if draw(st.booleans()):
        name = draw(st.from_regex(r"[A-Za-z0-9_]{1,4}", fullmatch=True))
        item = (slice(name, item[0]),) + item[1:] if isinstance(item, tuple) else slice(name, item)
    literal = R.a[item]
    if draw(st.booleans()):
        literal = literal.fixed()
    return literal.value


@st.composite
def atoms(draw, ground=False, arity=None):
    name = draw(_names)
    size = draw(st.integers(0, 3)) if arity is None else arity
    term_strategy = _constants if ground else st.one_of(_constants, _variables)
    terms = tuple(draw(term_strategy) for _ in range(size))
    atom = R.hidden.get(name) if draw(st.booleans()) else R.get(name)
    return atom(*terms) if terms else atom


_transformations = st.one_of(
    st.sampled_from([Transformation.SIGMOID, Transformation.TANH, Transformation.RELU, Transformation.TRANSP,
                     Transformation.SOFTMAX, Transformation.REVERSE]),
    _floats.map(lambda alpha: Transformation.LEAKY_RELU(alpha=alpha)),
    st.just(Transformation.SLICE(rows=(0, 2))),
    st.just(Transformation.RESHAPE(shape=(2, 2))))
_combinations = st.one_of(
    st.sampled_from([Combination.SUM, Combination.AVG, Combination.MAX, Combination.ELPRODUCT,
                     Combination.PRODUCT, Combination.SOFTMAX, Combination.CROSSSUM, Combination.COSSIM]),
    st.integers(0, 1).map(lambda axis: Combination.CONCAT(axis=axis)))
_aggregations = st.one_of(
    st.sampled_from(list(Aggregation)),
    st.just(Aggregation.SOFTMAX(agg_terms=[V.X, V.Y])),
    st.just(Aggregation.CONCAT(axis=1)))


@st.composite
def literals(draw):
    atom = draw(atoms())
    if draw(st.booleans()) and atom.terms:
        atom = R.special.get(atom.name)(*atom.terms)
    choice = draw(st.sampled_from(["plain", "negated", "function", "soft"]))
    if choice == "negated":
        return ~atom
    if choice == "function":
        atom = apply_function(draw(_transformations), (atom,))
    elif choice == "soft":
        atom = -atom
    if draw(st.booleans()):
        atom = replace(atom, value=draw(values()))
    return atom


@st.composite
def body_items(draw, depth=0):
    if depth < 2 and draw(st.integers(0, 3)) == 0:
        combination = draw(_combinations)
        args = tuple(draw(body_items(depth + 1)) for _ in range(draw(st.integers(1, 3))))
        expression = apply_function(combination, args)
        if draw(st.booleans()):
            return apply_function(draw(_transformations), (expression,))
        return expression
    return draw(literals())


@st.composite
def metadata(draw, relation=False):
    fields = {}
    if draw(st.booleans()):
        fields["transformation"] = draw(_transformations)
    if draw(st.booleans()):
        fields["combination"] = draw(_combinations)
    if not relation and draw(st.booleans()):
        fields["aggregation"] = draw(_aggregations)
    if not relation and draw(st.booleans()):
        fields["duplicate_grounding"] = draw(st.booleans())
    return Metadata(**fields)


@st.composite
def rules(draw):
    head = draw(atoms())
    if draw(st.booleans()):
        head = replace(head, value=draw(values()))
    body = tuple(draw(body_items()) for _ in range(draw(st.integers(1, 4))))
    offset = draw(st.one_of(st.none(), values()))
    return Rule(head, body, draw(metadata()), offset)


@st.composite
def relation_settings(draw):
    settings = RelationSettings(draw(_names), draw(st.integers(0, 3)), draw(metadata(relation=True)))
    if draw(st.booleans()):
        settings = replace(settings, offset=draw(values()))
    return settings


@st.composite
def facts(draw):
    fact = draw(atoms(ground=True))
    if draw(st.booleans()):
        fact = replace(fact, value=draw(values()))
    return fact


templates = st.lists(st.one_of(rules(), relation_settings(), facts()), max_size=6).map(Template)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(templates)
def test_random_template_round_trip(template):
    text = str(template)
    assert parse_template(text) == template, text


def test_hand_written_round_trip():
    template = Template()
    template += (R.h(V.X)[1, 3] <= (Transformation.LEAKY_RELU(0.2)(R.a(V.X)), Combination.SOFTMAX(R.b(V.X)),
                                    -R.c(V.X), R.d(V.X)[2].T, Combination.CONCAT(axis=1)(R.a(V.X), R.b(V.X)),
                                    R.special.alldiff(...), ~R.e(V.X), R.hidden.f(C.get("a b")))) \
        | [Aggregation.SOFTMAX(agg_terms=[V.X]), Transformation.SLICE(rows=(1, 3))]
    template += R.h / 1 | [Transformation.TANH]
    template += R.q / 0
    template += R.bias[0.7]
    template += (R.off / 0)[0.25].__class__("off", 0, Metadata(), R.a[0.5].fixed().value)
    template += R.b(C.a)["w": [[1, 2], [3, 4]]]
    assert parse_template(str(template)) == template


def test_bare_relation_before_valued_fact():
    template = Template([R.q / 0, R.bias[0.7]])
    assert str(template) == "q/0.\n0.7 bias.\n"
    assert parse_template(str(template)) == template

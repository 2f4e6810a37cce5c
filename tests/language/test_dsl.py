"""The Python DSL: values, weights, literals, functions, expressions, metadata, relation settings."""
import numpy as np
import pytest

from lrnn import (
    Aggregation,
    C,
    Combination,
    F,
    Metadata,
    R,
    Template,
    TemplateError,
    Transformation,
    UnknownFunctionError,
    V,
    WeightError,
)
from lrnn.language.dsl import ALL_VARIABLES, Atom, Expression, RelationSettings, Rule
from lrnn.language.terms import Constant, Variable

# -- value forms --


@pytest.mark.parametrize("item, shape, initial", [
    (0.5, (1, 1), [[0.5]]),
    (2, (1, 1), [[2.0]]),
    ([1.0, 0.0], (2, 1), [[1.0], [0.0]]),
    ([[1.0, 2.0]], (1, 2), [[1.0, 2.0]]),
    ([[1, 0], [0, 1]], (2, 2), [[1.0, 0.0], [0.0, 1.0]]),
    (np.array([1.0, 2.0, 3.0]), (3, 1), [[1.0], [2.0], [3.0]]),
    (np.array([[1.0, 2.0]]), (1, 2), [[1.0, 2.0]]),
])
def test_value_with_initial(item, shape, initial):
    value = R.a[item].value
    assert value.shape == shape
    assert value.initial.dtype == np.float64
    np.testing.assert_array_equal(value.initial, np.array(initial))
    assert value.name is None
    assert not value.fixed


@pytest.mark.parametrize("item, shape", [((3,), (3, 1)), ((1,), (1, 1)), ((1, 4), (1, 4)), ((4, 1), (4, 1)),
                                         ((2, 3), (2, 3))])
def test_value_dimensions(item, shape):
    value = R.a[item].value
    assert value.shape == shape
    assert value.initial is None


def test_value_dimension_syntax():
    assert R.a[3, 3].value.shape == (3, 3)
    assert R.a[2, ].value.shape == (2, 1)
    assert R.a[1, 5].value.kind == "row"
    assert R.a[5, 1].value.kind == "column"
    assert R.a[1].value.initial is not None  # a single number is a value, not a dimension


def test_value_is_float64_exact():
    assert R.a[0.3].value.initial[0, 0] == 0.3


def test_named_weight():
    value = R.a["w": 0.5].value
    assert value.name == "w"
    assert value.initial[0, 0] == 0.5
    dims = R.a["w": 2, 2].value
    assert dims.name == "w"
    assert dims.shape == (2, 2)
    assert dims.initial is None


def test_fixed_weight():
    literal = R.a[0.5].fixed()
    assert literal.value.fixed
    assert literal.value.initial[0, 0] == 0.5
    assert not R.a[0.5].value.fixed


def test_value_equality_compares_declaration():
    assert R.a[0.5].value == R.b[0.5].value
    assert R.a[0.5].value != R.a[0.25].value
    assert R.a[0.5].value != R.a[0.5].fixed().value
    assert R.a["w": 0.5].value != R.a[0.5].value
    assert R.a[2, 2].value == R.b[2, 2].value


def test_value_text():
    assert R.a[0.5].value.text() == "0.5"
    assert R.a[[1, 2]].value.text() == "[1.0, 2.0]"
    assert R.a[[[1, 2]]].value.text() == "[[1.0, 2.0]]"
    assert R.a[3, 3].value.text() == "{3, 3}"
    assert R.a[0.5].fixed().value.text() == "<0.5>"
    assert R.a[3, 3].fixed().value.text() == "<{3, 3}>"
    assert R.a["w": 0.5].fixed().value.text() == "$w=<0.5>"


# -- literals and terms --


def test_atom_terms():
    atom = R.edge(V.X, C.a, 1, "Y", "b")
    assert atom.name == "edge"
    assert atom.terms == (Variable("X"), Constant("a"), Constant("1"), Variable("Y"), Constant("b"))
    assert atom.arity == 5
    assert not atom.is_ground


def test_number_constants_keep_text():
    assert R.n(1).terms[0] != R.n(1.0).terms[0]
    assert str(R.n(1.0)) == "n(1.0)"


def test_variable_and_constant_factories():
    assert V.x == Variable("X")
    assert C.Abc == Constant("abc")


def test_anonymous_variables_are_fresh():
    first, second = R.a(V._, V._).terms
    assert first != second
    assert first.name.startswith("_")


def test_hidden_and_special():
    assert R.hidden.g.hidden
    assert R._g.hidden
    assert R._g.name == "g"
    assert R.special.next.special
    assert str(R.hidden.g(V.X)) == "*g(X)"
    assert str(R.special.next(V.X, V.Y)) == "@next(X, Y)"


def test_alldiff_shorthand():
    assert R.special.alldiff(...).terms == (ALL_VARIABLES,)
    assert str(R.special.alldiff(...)) == "@alldiff(...)"


def test_negation():
    literal = ~R.b(V.X)
    assert literal.negated
    assert str(literal) == "!b(X)"
    assert not (~literal).negated


def test_soft_negation_is_reverse():
    literal = -R.b(V.X)
    assert isinstance(literal, Atom)
    assert literal.function == Transformation.REVERSE
    assert str(literal) == "~b(X)"


def test_transpose():
    assert R.b.T.function == Transformation.TRANSP


# -- functions on literals and expressions --


def test_function_on_literal():
    literal = Transformation.SIGMOID(R.b(V.X))
    assert isinstance(literal, Atom)
    assert literal.function == Transformation.SIGMOID
    assert str(literal) == "#sigmoid(b(X))"
    assert F.sigmoid(R.b(V.X)) == literal


def test_weight_on_function_result():
    literal = Transformation.SIGMOID(R.b)[0.5]
    assert literal.function == Transformation.SIGMOID
    assert literal.value.initial[0, 0] == 0.5
    assert str(literal) == "0.5 #sigmoid(b)"


def test_function_on_weighted_literal_is_expression():
    expression = Transformation.SIGMOID(R.b[2])
    assert isinstance(expression, Expression)
    assert expression.args == (R.b[2],)


def test_parametrised_function():
    function = Transformation.LEAKY_RELU(0.2)
    assert function.param("alpha") == 0.2
    assert function == Transformation.LEAKY_RELU(alpha=0.2)
    assert function.text() == "leaky_relu(alpha=0.2)"
    assert str(function(R.b)) == "#leaky_relu[alpha=0.2](b)"


def test_function_parameters_of_slice_reshape_concat_softmax():
    assert Transformation.SLICE(rows=(1, 3)).param("rows") == (1, 3)
    assert Transformation.RESHAPE(shape=[2, 2]).param("shape") == (2, 2)
    assert Combination.CONCAT(axis=0).param("axis") == 0
    assert Aggregation.SOFTMAX(agg_terms=[V.Y]).param("agg_terms") == ("Y",)
    assert Aggregation.SOFTMAX(agg_terms=["Y"]) == Aggregation.SOFTMAX(agg_terms=[V.Y])


def test_combination_expression():
    expression = Combination.CONCAT(R.a, R.b)
    assert isinstance(expression, Expression)
    assert expression.literals() == [R.a, R.b]
    assert str(expression) == "#concat(a, b)"


def test_single_argument_combination_sharing_a_name_is_qualified():
    assert str(Combination.SOFTMAX(R.a)) == "#combination.softmax(a)"
    assert str(Combination.SOFTMAX(R.a, R.b)) == "#softmax(a, b)"


def test_operator_expressions():
    assert (R.a + R.b).function == Combination.SUM
    assert (R.a * R.b).function == Combination.ELPRODUCT
    assert (R.a @ R.b).function == Combination.PRODUCT
    flat = R.a + R.b + R.c
    assert flat.args == (R.a, R.b, R.c)
    nested = (R.a @ R.b) @ R.c
    assert len(nested.args) == 2


def test_function_on_expression():
    expression = Transformation.TANH(R.a + R.b)
    assert isinstance(expression, Expression)
    assert expression.function == Transformation.TANH
    assert str(expression) == "#tanh(#sum(a, b))"


# -- rules, metadata, relation settings --


def test_rule_construction():
    rule = R.h(V.X)[3, 3] <= (R.f(V.Y)[3, 3], R.edge(V.Y, V.X))
    assert isinstance(rule, Rule)
    assert rule.head.value.shape == (3, 3)
    assert len(rule.body) == 2
    assert rule.literals() == [R.f(V.Y)[3, 3], R.edge(V.Y, V.X)]


def test_rule_metadata_list():
    rule = (R.h <= R.b) | [Transformation.TANH, Aggregation.SUM, Combination.AVG]
    assert rule.metadata == Metadata(transformation=Transformation.TANH, combination=Combination.AVG,
                                     aggregation=Aggregation.SUM)
    assert str(rule) == "h :- b. [transformation=tanh, combination=avg, aggregation=sum]"


def test_metadata_from_names():
    metadata = Metadata(transformation="sigmoid", aggregation="max")
    assert metadata.transformation == Transformation.SIGMOID
    assert metadata.aggregation == Aggregation.MAX


def test_metadata_merge():
    rule = ((R.h <= R.b) | [Transformation.TANH]) | Metadata(aggregation="sum")
    assert rule.metadata.transformation == Transformation.TANH
    assert rule.metadata.aggregation == Aggregation.SUM


def test_relation_settings():
    settings = R.h / 1 | [Transformation.SIGMOID]
    assert isinstance(settings, RelationSettings)
    assert settings.arity == 1
    assert settings.metadata.transformation == Transformation.SIGMOID
    with_offset = (R.h / 0)[0.25]
    assert with_offset.offset.initial[0, 0] == 0.25
    assert str(with_offset) == "h/0 0.25"


def test_template_entries():
    template = Template()
    template += R.h(V.X) <= R.b(V.X)
    template += R.bias[0.7]
    template += R.h / 1 | [Transformation.TANH]
    assert len(template.rules) == 1
    assert len(template.facts) == 1
    assert len(template.relation_settings) == 1


# -- errors --


def test_terms_after_weight():
    with pytest.raises(TemplateError, match="terms cannot be given after the weight"):
        R.h[0.5](V.X)


def test_string_weight():
    with pytest.raises(WeightError, match="a weight name is written"):
        R.h["w"]


def test_ragged_matrix():
    with pytest.raises(WeightError, match="inhomogeneous"):
        R.a[[[1, 2], [3]]]


def test_ragged_lists_as_dimensions():
    with pytest.raises(WeightError, match="invalid weight dimensions"):
        R.a[[1, 2], [3]]


def test_zero_dimension():
    with pytest.raises(WeightError, match="dimension 0 must be a positive integer"):
        R.a[0, 2]


def test_fractional_dimension():
    with pytest.raises(WeightError, match="invalid weight dimensions"):
        R.a[2.5, 3]


def test_unknown_transformation():
    with pytest.raises(UnknownFunctionError, match="unknown transformation 'FOO'"):
        _ = Transformation.FOO


def test_aggregation_on_literal():
    with pytest.raises(TemplateError, match="aggregates groundings of a rule"):
        Aggregation.SUM(R.a)


def test_aggregation_on_relation():
    with pytest.raises(TemplateError, match="attach it to a rule"):
        R.h / 1 | [Aggregation.SUM]


def test_negated_weighted_literal():
    with pytest.raises(TemplateError, match="cannot be negated"):
        ~R.a[0.5]


def test_unknown_setting():
    from lrnn import Settings, SettingsError

    with pytest.raises(SettingsError, match="unknown settings"):
        Settings(foo=1)


def test_empty_body():
    with pytest.raises(TemplateError, match="empty body"):
        _ = R.h <= ()

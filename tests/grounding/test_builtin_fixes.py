"""Builtin cases where the vectorized grounder once disagreed with the naive reference grounder."""
from lrnn import C, R, Sample, Template, V
from lrnn.grounding.inference import InferenceEngine
from lrnn.testing import reference_ground, vectorized_ground


def numbers(*values):
    return [R.n(C.get(str(v))) for v in values]


def both_heads(template, facts):
    samples = [Sample(R.unused, facts)]
    reference = {h for _, h, _ in reference_ground(template, samples)[0].instances}
    vectorized = {h for _, h, _ in vectorized_ground(template, samples)[0].instances}
    return reference, vectorized


def test_false_without_terms_rejects_every_substitution():
    template = Template([R.h(V.X) <= (R.n(V.X), R.special.false), R.k <= (R._z, R.special.false)])
    reference, vectorized = both_heads(template, numbers(1, 2) + [R.z])
    assert reference == set()
    assert vectorized == set()


def test_true_without_terms_keeps_every_substitution():
    template = Template([R.h(V.X) <= (R.n(V.X), R.special.true)])
    assert InferenceEngine(template).model(numbers(1, 2)) >= {"h(1)", "h(2)"}


def test_filter_on_output_of_later_generator():
    # lt(W, 3) reads W, which add(Z, 1, W) binds from Z, which add(X, 1, Z) binds later in the body
    template = Template([R.h(V.W) <= (R.n(V.X), R.special.lt(V.W, C.get("3")),
                                      R.special.add(V.Z, C.get("1"), V.W),
                                      R.special.add(V.X, C.get("1"), V.Z))])
    reference, vectorized = both_heads(template, numbers(0, 1, 2, 3))
    assert reference == {"h(2)"}  # X = 0: W = 2 < 3; X = 1, 2, 3 give W = 3, 4, 5
    assert vectorized == reference


def test_generator_output_bound_by_later_literal_compares_numbers():
    # X = 2.0 gives 3.0, which equals the fact n(3) as a number; X = 1 gives 2, which equals n(2.0)
    template = Template([R.h(V.X, V.W) <= (R.n(V.X), R.special.add(V.X, C.get("1"), V.W), R.n(V.W))])
    reference, vectorized = both_heads(template, numbers(0, 1, 3, "2.0"))
    assert reference == {"h(0, 1)", "h(1, 2.0)", "h(2.0, 3)"}
    assert vectorized == reference

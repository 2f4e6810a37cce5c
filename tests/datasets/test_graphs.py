"""GraphDataset: arrays to facts in bulk, labels to queries, conversions from PyG and networkx."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from lrnn import C, Dataset, DatasetError, R, Sample, Settings, V
from lrnn.datasets import GraphDataset
from lrnn.language.text import parse_template
from lrnn.model import Model

# h(X) = sum of x(X) and the average of x(Y) * edge(X, Y) over the edges X -> Y (edge values multiply
# because the rule combines by elementwise product); predict = sum of h over nodes, no weights.
TEMPLATE = """
h(X) :- x(X).
h(X) :- x(Y), edge(X, Y). [combination=elproduct]
predict :- h(X). [aggregation=sum]
predict/0 [combination=sum]
h/1 [combination=sum]
"""
NODE_TEMPLATE = """
{1,2} h(X) :- x(X).
"""


def build(text, graphs, **settings):
    model = Model(parse_template(text), Settings(dtype=torch.float64, **settings))
    return model, model.build_dataset(graphs)


def two_graphs(**kwargs):
    # graph 0: nodes 0, 1 with edge 0 -> 1 (value 2); graph 1: node 2 alone
    return GraphDataset(x=np.array([1.0, 10.0, 100.0]), edge_index=np.array([[0], [1]]),
                        edge_attr=np.array([2.0]), y=np.array([1.0, 0.0]), batch=np.array([0, 0, 1]), **kwargs)


def test_graph_outputs_exact():
    model, built = build(TEMPLATE, two_graphs())
    # graph 0: h(0) = 1 + 10 * 2 (edge 0 -> 1), h(1) = 10; graph 1: h(2) = 100
    expected = torch.tensor([(1 + 10 * 2) + 10, 100.0], dtype=torch.float64)
    torch.testing.assert_close(model(built), expected)
    assert built.sample_names == ["graph 0", "graph 1"]
    torch.testing.assert_close(built.target_tensor(), torch.tensor([1.0, 0.0]))


def test_graph_matches_python_samples():
    model, built = build(TEMPLATE, two_graphs())
    samples = Dataset([
        Sample(R.predict[1.0], [R.x(0)[1.0], R.x(1)[10.0], R.edge(0, 1)[2.0]]),
        Sample(R.predict[0.0], [R.x(0)[100.0]]),
    ])
    torch.testing.assert_close(model(built), model(model.build_dataset(samples)))


def test_predicate_names_configurable():
    graphs = two_graphs(feature_name="feat", edge_name="link", output_name="out")
    text = TEMPLATE.replace("x(", "feat(").replace("edge(", "link(").replace("predict", "out")
    model, built = build(text, graphs)
    assert model(built).shape == (2,)


def test_vector_features_and_targets():
    x = np.arange(6.0).reshape(3, 2)
    graphs = GraphDataset(x=x, edge_index=np.zeros((2, 0), dtype=np.int64), y=np.array([[1.0, 0.0]] * 3),
                          level="node", batch=np.array([0, 0, 1]), output_name="h")
    model, built = build("{2,2} h(X) :- x(X).", graphs, initializer="constant")
    # weight matrix of ones: h(n) = [x0 + x1, x0 + x1]
    sums = x.sum(axis=1)
    expected = torch.tensor(np.stack([sums, sums], axis=1))
    torch.testing.assert_close(model(built), expected)
    assert built.target_tensor().shape == (3, 2)


def test_node_queries_with_mask():
    graphs = GraphDataset(x=np.array([1.0, 2.0, 3.0]), y=np.array([0.0, 1.0, 0.0]), num_nodes=3,
                          edge_index=None, node_mask=np.array([False, True, True]), output_name="h")
    model, built = build("h(X) :- x(X).", graphs)
    assert len(built) == 1
    torch.testing.assert_close(model(built), torch.tensor([2.0, 3.0], dtype=torch.float64))
    assert [text for _, _, text in built.network.queries[0]] == ["h(1)", "h(2)"]


def test_template_facts_reach_every_graph():
    text = "bias. h(X) :- x(X), bias. predict :- h(X)."
    model, built = build(text, two_graphs())
    # h(n) = x(n) + 1, predict = average over nodes
    torch.testing.assert_close(model(built), torch.tensor([(2 + 11) / 2, 101.0], dtype=torch.float64))


def test_from_graphs_local_indices():
    graphs = GraphDataset.from_graphs([
        {"x": np.array([1.0, 10.0]), "edge_index": np.array([[0], [1]]), "edge_attr": np.array([2.0]), "y": 1.0},
        {"x": np.array([100.0]), "edge_index": np.zeros((2, 0), dtype=np.int64),
         "edge_attr": np.zeros(0), "y": 0.0},
    ])
    model, built = build(TEMPLATE, graphs)
    torch.testing.assert_close(model(built), torch.tensor([31.0, 100.0], dtype=torch.float64))


def test_from_pyg_data_and_list():
    pyg = pytest.importorskip("torch_geometric.data")
    first = pyg.Data(x=torch.tensor([[1.0], [10.0]]), edge_index=torch.tensor([[0], [1]]),
                     edge_attr=torch.tensor([[2.0]]), y=torch.tensor([1.0]))
    second = pyg.Data(x=torch.tensor([[100.0]]), edge_index=torch.zeros((2, 0), dtype=torch.long),
                      edge_attr=torch.zeros((0, 1)), y=torch.tensor([0.0]))
    expected = torch.tensor([31.0, 100.0], dtype=torch.float64)
    for source in ([first, second], pyg.Batch.from_data_list([first, second])):
        model, built = build(TEMPLATE, GraphDataset.from_pyg(source))
        torch.testing.assert_close(model(built), expected)
        torch.testing.assert_close(built.target_tensor(), torch.tensor([1.0, 0.0]))


def test_from_pyg_node_mask():
    pyg = pytest.importorskip("torch_geometric.data")
    data = pyg.Data(x=torch.tensor([[1.0], [2.0]]), edge_index=torch.zeros((2, 0), dtype=torch.long),
                    y=torch.tensor([0.0, 1.0]), train_mask=torch.tensor([False, True]))
    graphs = GraphDataset.from_pyg(data, level="node", node_mask="train_mask", output_name="h")
    model, built = build("h(X) :- x(X).", graphs)
    torch.testing.assert_close(model(built), torch.tensor([2.0], dtype=torch.float64))


def test_from_networkx_undirected():
    nx = pytest.importorskip("networkx")
    graph = nx.Graph(y=1.0)
    graph.add_node("a", x=1.0)
    graph.add_node("b", x=10.0)
    graph.add_edge("a", "b", w=2.0)
    graphs = GraphDataset.from_networkx(graph, edge_attr="w")
    assert graphs.edge_index.tolist() == [[0, 1], [1, 0]]
    model, built = build(TEMPLATE, graphs)
    # both directions: h(a) = 1 + 10 * 2, h(b) = 10 + 1 * 2
    torch.testing.assert_close(model(built), torch.tensor([21.0 + 12.0], dtype=torch.float64))


def test_variable_free_values_default():
    graphs = GraphDataset(x=None, edge_index=np.array([[0, 1], [1, 0]]), y=np.array([1.0]))
    model, built = build("h(X) :- x(X). predict :- h(X).", graphs)
    assert graphs.num_nodes == 2
    torch.testing.assert_close(model(built), torch.tensor([1.0], dtype=torch.float64))


@pytest.mark.parametrize("kwargs, match", [
    ({"x": np.ones(2), "edge_index": np.array([[0], [5]])}, "refers to node 5"),
    ({"x": np.ones(3), "edge_index": np.array([[0], [2]]), "batch": np.array([0, 0, 1])}, "connects graph 0"),
    ({"x": np.ones(2), "edge_index": None, "y": np.ones(3)}, "y has 3 rows"),
    ({"x": np.ones(2), "edge_index": None, "batch": np.array([1, 0])}, "batch must be sorted"),
    ({"x": np.ones(2), "edge_index": np.array([[0], [1]]), "edge_attr": np.ones(2)}, "edge_attr has 2 rows"),
    ({"x": np.zeros((0, 2)), "edge_index": None}, "empty"),
    ({"x": np.ones(1), "edge_index": None, "y": np.ones(1)}, "pass level="),
    ({"x": np.ones(2), "edge_index": None, "y": np.ones(2), "level": "graph"}, "there are 1 graphs"),
    ({"x": np.ones(2), "edge_index": np.array([0, 1])}, r"edge_index must be an integer array \[2, E\]"),
])
def test_invalid_arrays(kwargs, match):
    with pytest.raises(DatasetError, match=match):
        GraphDataset(**kwargs)


def test_output_never_derived():
    with pytest.raises(DatasetError, match="no rule of the template derives predict/0"):
        build("h(X) :- x(X).", two_graphs())


def test_build_10k_graphs_fast():
    rng = np.random.default_rng(0)
    num_graphs, n, e = 10_000, 10, 20
    offsets = np.arange(num_graphs)[:, None] * n
    edge_index = np.stack([(rng.integers(0, n, (num_graphs, e)) + offsets).ravel(),
                           (rng.integers(0, n, (num_graphs, e)) + offsets).ravel()])
    graphs = GraphDataset(x=rng.random((num_graphs * n, 3)), edge_index=edge_index,
                          y=rng.integers(0, 2, num_graphs).astype(float), batch=np.repeat(np.arange(num_graphs), n))
    model = Model(parse_template("{2,3} h(X) :- x(Y), edge(X, Y). {1,2} predict :- h(X)."))
    built = model.build_dataset(graphs)
    assert model(built, samples=[0, 9_999]).shape == (2,)


def test_python_variable_query_order():
    # constants are ordered by first sight in the dataset: b, a, then c
    template = parse_template("h(X) :- f(X).")
    model = Model(template, Settings(dtype=torch.float64))
    dataset = Dataset([Sample(R.h(V.X), [R.f(C.b)[2.0], R.f(C.a)[3.0]]),
                       Sample(R.h(V.X), [R.f(C.a)[4.0], R.f(C.c)[5.0], R.f(C.b)[6.0]])])
    built = model.build_dataset(dataset)
    torch.testing.assert_close(model(built), torch.tensor([2.0, 3.0, 6.0, 4.0, 5.0], dtype=torch.float64))

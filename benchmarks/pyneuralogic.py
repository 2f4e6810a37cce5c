"""PyNeuraLogic runner: the benchmark GNNs as PyNeuraLogic templates, trained one graph per step in Java.

The templates follow the structure of `lrnn.zoo.models` (GCN with precomputed `gcn_norm`
facts, GraphSAGE with a mean over neighbours plus a root weight, GIN with a two-layer MLP
after the neighbour sum). They have no bias terms, because PyNeuraLogic's Python DSL has no
offset syntax. Weights are PyNeuraLogic's own initial values, so outputs are not
compared with the other systems. PyNeuraLogic keeps its defaults (chain pruning and iso-value
compression on); one epoch is `model.train(built, epochs=1)`, Adam with lr 1e-3 and cross
entropy on the sigmoid output.

Build time is what PyNeuraLogic needs to go from the numpy graphs to a trainable dataset:
`Model.build` (template to neural model), numpy graphs to its `TensorDataset`, and
`build_dataset` (grounding and neural network construction in Java).
"""
from __future__ import annotations

import time

import numpy as np

from benchmarks.baselines import LAYERS
from benchmarks.mutagenesis import Graphs


def available() -> str | None:
    """Return None when PyNeuraLogic can run, else the reason why it cannot."""
    try:
        import neuralogic  # noqa: F401
    except ImportError as error:
        return f"neuralogic is not installed ({error}); pip install neuralogic (needs Java 17)"
    return None


def template(kind: str, in_features: int, hidden: int = 10, layers: int | None = None):
    """Build the benchmark model of `kind` as a PyNeuraLogic template (`neuralogic.core.Model`)."""
    from neuralogic.core import Aggregation, Combination, Metadata, Model, R, Transformation, V

    layers = LAYERS[kind] if layers is None else layers
    model = Model()
    source, width = "x", in_features
    for k in range(1, layers + 1):
        head = f"h{k}"
        if kind == "gcn":
            model += (R.get(head)(V.X)[hidden, width] <= (R.get(source)(V.Y), R.gcn_norm(V.Y, V.X))) | \
                Metadata(combination=Combination.PRODUCT, aggregation=Aggregation.SUM)
        elif kind == "sage":
            model += (R.get(head)(V.X)[hidden, width] <= (R.get(source)(V.Y), R.hidden.edge(V.Y, V.X))) | \
                Metadata(aggregation=Aggregation.AVG)
            model += R.get(head)(V.X)[hidden, width] <= R.get(source)(V.X)
        else:
            total, middle = f"gin{k}_sum", f"gin{k}_mlp"
            model += (R.get(total)(V.X) <= (R.get(source)(V.Y), R.hidden.edge(V.Y, V.X))) | \
                Metadata(aggregation=Aggregation.SUM)
            model += R.get(total)(V.X) <= R.get(source)(V.X)
            model += R.get(middle)(V.X)[hidden, width] <= R.get(total)(V.X)
            model += R.get(middle) / 1 | Metadata(transformation=Transformation.RELU)
            model += R.get(head)(V.X)[hidden, hidden] <= R.get(middle)(V.X)
        model += R.get(head) / 1 | Metadata(transformation=Transformation.RELU)
        source, width = head, hidden
    model += (R.predict[1, hidden] <= R.get(source)(V.X)) | Metadata(aggregation=Aggregation.AVG)
    model += R.predict / 0 | Metadata(transformation=Transformation.SIGMOID)
    return model


def tensor_dataset(graphs: Graphs, kind: str):
    """Convert the graphs into a PyNeuraLogic `TensorDataset`: `x(i)[features]` facts, edge facts and `predict` queries.

    GCN graphs carry the `gcn_norm(j, i)[c]` facts (self loops included) instead of edges.
    """
    from neuralogic.dataset import Data, TensorDataset

    from lrnn.zoo import gcn_norm

    node_ptr, edge_ptr = graphs.node_ptr, graphs.edge_ptr()
    data = []
    for g in range(graphs.num_graphs):
        x, edge_index = graphs.graph(g, node_ptr, edge_ptr)
        attributes = None
        if kind == "gcn":
            index, norm = gcn_norm(edge_index, len(x))
            edge_index, attributes = index.numpy(), norm.numpy()
        data.append(Data(x=x.astype(np.float64), edge_index=edge_index, y=float(graphs.y[g]), edge_attr=attributes))
    return TensorDataset(data, feature_name="x", edge_name="gcn_norm" if kind == "gcn" else "edge",
                         output_name="predict")


class PyNeuraLogicRunner:
    """Builds one benchmark model and dataset in PyNeuraLogic and trains it one graph per step."""

    def __init__(self, kind: str, in_features: int):
        self.kind = kind
        self.in_features = in_features
        self.model = None
        self.built = None

    def build(self, graphs: Graphs) -> dict:
        """Build the model and the dataset; return the seconds of each phase and their sum."""
        from neuralogic.core import Settings
        from neuralogic.nn.loss import CrossEntropy
        from neuralogic.nn.optim import Adam

        start = time.perf_counter()
        settings = Settings(optimizer=Adam(lr=1e-3), error_function=CrossEntropy(with_logits=False))
        self.model = template(self.kind, self.in_features).build(settings)
        built_model = time.perf_counter()
        dataset = tensor_dataset(graphs, self.kind)
        converted = time.perf_counter()
        self.built = self.model.build_dataset(dataset)
        end = time.perf_counter()
        return {"model_s": built_model - start, "convert_s": converted - built_model,
                "build_dataset_s": end - converted, "total_s": end - start}

    def epoch(self) -> None:
        self.model.train(self.built, epochs=1)

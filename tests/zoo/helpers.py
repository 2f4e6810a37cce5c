"""Random graphs and a PyG comparison used by the zoo tests."""
from __future__ import annotations

import torch

from lrnn import Dataset, R, Sample, Settings, Template
from lrnn.zoo import graph_facts, load_pyg_weights, module_values


def random_graph(generator: torch.Generator, num_nodes: int, in_channels: int, edge_dim: int | None = None,
                 num_relations: int | None = None) -> dict:
    """A graph whose last node is isolated and whose second-to-last node has one neighbour.

    The other nodes get random edges without self loops or repeated edges.
    """
    core = num_nodes - 2
    dense = torch.rand(core, core, generator=generator) < 0.45
    dense.fill_diagonal_(False)
    source, target = dense.nonzero(as_tuple=True)
    source = torch.cat([source, torch.tensor([0])])
    target = torch.cat([target, torch.tensor([num_nodes - 2])])
    graph = {"x": torch.randn(num_nodes, in_channels, generator=generator, dtype=torch.float64),
             "edge_index": torch.stack([source, target])}
    num_edges = len(source)
    if edge_dim is not None:
        graph["edge_attr"] = torch.randn(num_edges, edge_dim, generator=generator, dtype=torch.float64)
    if num_relations is not None:
        graph["edge_type"] = torch.randint(num_relations, (num_edges,), generator=generator)
    return graph


def random_graphs(seed: int, in_channels: int, **kwargs) -> list[dict]:
    generator = torch.Generator().manual_seed(seed)
    return [random_graph(generator, n, in_channels, **kwargs) for n in (4, 6, 9)]


def lrnn_outputs(layer, graphs, output: str, **fact_options):
    """Build a model of `layer` alone and evaluate `output(i)` for every node of every graph."""
    template = Template()
    template += layer
    model = template.build(Settings(dtype=torch.float64))
    samples = []
    for g in graphs:
        facts = graph_facts(g["x"], g["edge_index"], edge_attr=g.get("edge_attr"), edge_type=g.get("edge_type"),
                            edge_weight=g.get("edge_weight"), **fact_options)
        samples.append(Sample([R.get(output)(i) for i in range(len(g["x"]))], facts))
    built = model.build_dataset(Dataset(samples))
    return model, built


def compare_with_pyg(layer, module, graphs, output: str = "h", call=None, **fact_options) -> None:
    """Assert that `layer` and the PyG `module` agree in outputs and weight gradients (float64)."""
    module = module.double()
    call = call or (lambda m, g: m(g["x"], g["edge_index"]))
    model, built = lrnn_outputs(layer, graphs, output, **fact_options)
    load_pyg_weights(model, layer, module)

    out = model(built)
    expected = torch.cat([call(module, g) for g in graphs]).reshape(out.shape)
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)

    probe = torch.randn(out.shape, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    (out * probe).sum().backward()
    (expected * probe).sum().backward()
    grads = module_values(model, layer, module, grad=True)
    assert grads, "the layer links no weights"
    for key, expected_grad in grads.items():
        if expected_grad is None:  # a fixed weight, e.g. eps without train_eps
            assert key not in model.weights
            continue
        torch.testing.assert_close(model.weights[key].grad, expected_grad, rtol=1e-5, atol=1e-5,
                                   msg=lambda m, key=key: f"gradient of {key}: {m}")

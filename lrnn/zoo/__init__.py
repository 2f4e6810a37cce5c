"""Model zoo: GNN and general layers as lrnn templates, equal to their PyTorch Geometric versions."""
from .base import Layer, ParamLink, load_pyg_weights, module_values
from .conv import GCNConv, RGCNConv, SAGEConv
from .dense import MLP, Linear
from .gin import GINConv, GINEConv
from .graphs import gcn_norm, graph_facts

__all__ = ["Layer", "ParamLink", "load_pyg_weights", "module_values", "GCNConv", "RGCNConv", "SAGEConv",
           "MLP", "Linear", "GINConv", "GINEConv", "gcn_norm", "graph_facts"]

"""Model zoo: GNN and general layers as lrnn templates, equal to their PyTorch Geometric versions."""
from . import models
from .attention import GATv2Conv
from .base import Layer, ParamLink, load_pyg_weights, module_values
from .conv import GCNConv, RGCNConv, SAGEConv
from .dense import MLP, Linear
from .gin import GINConv, GINEConv
from .graphs import gcn_norm, graph_facts
from .readout import Readout
from .recurrent import GRU, RNN

__all__ = ["GATv2Conv", "Layer", "ParamLink", "load_pyg_weights", "module_values", "GCNConv", "RGCNConv", "SAGEConv",
           "MLP", "Linear", "GINConv", "GINEConv", "gcn_norm", "graph_facts", "Readout", "GRU", "RNN", "models"]

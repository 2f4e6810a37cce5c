"""Training: mini-batch loaders, `fit`, metrics, history and checkpoints."""
from .callbacks import EarlyStopping
from .checkpoint import load_checkpoint, save_checkpoint
from .history import History
from .loader import BatchLoader, split_indices
from .metrics import Accuracy, auroc, mae
from .targets import TargetTable
from .trainer import evaluate, fit, predict

__all__ = ["Accuracy", "BatchLoader", "EarlyStopping", "History", "TargetTable", "auroc", "evaluate", "fit",
           "load_checkpoint", "mae", "predict", "save_checkpoint", "split_indices"]

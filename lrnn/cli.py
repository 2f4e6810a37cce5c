"""Command line: `lrnn train` trains a template on a dataset and writes the trained weights.

    lrnn train                                   built-in motif graphs with a small GNN (no download)
    lrnn train --data-dir DIR [--template T]     a NeuraLogic directory (examples.txt, queries.txt, templates/)
    lrnn train --template T --examples E [--queries Q]
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import torch

from .errors import LrnnError

LOSSES = {"mse": torch.nn.MSELoss, "bce": torch.nn.BCELoss, "bce-logits": torch.nn.BCEWithLogitsLoss,
          "l1": torch.nn.L1Loss}
OPTIMIZERS = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD, "adamw": torch.optim.AdamW}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lrnn", description="Lifted Relational Neural Networks in PyTorch.")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a template on a dataset and write the weights",
                                description="Train a template, evaluate it on a held-out split and write the "
                                            "trained weights. Without data arguments, trains the built-in "
                                            "motif-graph task.")
    data = train.add_argument_group("data (none: the built-in motif graphs)")
    data.add_argument("--data-dir", type=Path, help="NeuraLogic dataset directory with examples.txt, "
                      "queries.txt and templates/")
    data.add_argument("--template", help="template file; with --data-dir a name in DIR/templates/ "
                      "(default template.txt)")
    data.add_argument("--examples", type=Path, help="examples file (NeuraLogic text format)")
    data.add_argument("--queries", type=Path, help="queries file (optional when examples are labelled)")
    data.add_argument("--num-graphs", type=int, default=400, help="graphs of the built-in task (default 400)")

    run = train.add_argument_group("training")
    run.add_argument("--epochs", type=int, default=20, help="training epochs (default 20)")
    run.add_argument("--batch-size", type=int, default=32, help="samples per mini-batch; 0: all (default 32)")
    run.add_argument("--lr", type=float, default=0.03, help="learning rate (default 0.03)")
    run.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam", help="optimizer (default adam)")
    run.add_argument("--loss", choices=sorted(LOSSES), default="mse", help="loss function (default mse)")
    run.add_argument("--seed", type=int, default=0, help="seed of weights, split and batch order (default 0)")
    run.add_argument("--test-fraction", type=float, default=0.2,
                     help="fraction of samples held out for the test (default 0.2)")
    run.add_argument("--device", default="cpu", help="torch device, e.g. cpu or cuda (default cpu)")
    run.add_argument("--threshold", type=float, default=0.5,
                     help="outputs above it count as class 1 for accuracy (default 0.5; use 0 with bce-logits)")
    run.add_argument("--out", type=Path, help="write the trained weights (model.state_dict()) to this file")

    output = train.add_argument_group("output")
    output.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    output.add_argument("-v", "--verbose", action="store_true", help="log each phase (INFO)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 on success, 2 on invalid input)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return train(args)
    except (LrnnError, OSError) as error:
        print(f"lrnn train: error: {error}", file=sys.stderr)
        return 2


def train(args) -> int:
    from .model import Model
    from .settings import Settings
    from .training import Accuracy, evaluate, fit, split_indices

    _check_args(args)
    torch.manual_seed(args.seed)
    template, dataset, source = _load(args)
    progress = not args.no_progress
    start = time.perf_counter()
    model = Model(template, Settings(device=args.device, progress=progress))
    built = model.build_dataset(dataset)
    print(f"{source}: {len(built)} samples, {sum(p.numel() for p in model.parameters())} weights "
          f"(built in {time.perf_counter() - start:.2f} s)")

    train_part, test_part = split_indices(len(built), args.test_fraction, args.seed)
    optimizer = OPTIMIZERS[args.optimizer](model.parameters(), lr=args.lr)
    loss = LOSSES[args.loss]()
    metrics = [Accuracy(args.threshold)]
    start = time.perf_counter()
    try:
        fit(model, built, optimizer, loss, args.epochs, batch_size=args.batch_size or None, train=train_part,
            metrics=metrics, callbacks=[_print_epoch(args.epochs)], progress=progress, seed=args.seed)
    except RuntimeError as error:
        if args.loss == "bce" and "between 0 and 1" in str(error):
            raise LrnnError("--loss bce needs outputs in [0, 1], but the template's output is not; use "
                            "--loss bce-logits, or give the output relation a sigmoid (e.g. predict/0 "
                            "[activation=sigmoid])") from None
        raise
    seconds = time.perf_counter() - start
    print(f"trained {args.epochs} epochs on {len(train_part)} samples in {seconds:.2f} s")

    if len(test_part):
        scores = evaluate(model, built, loss, metrics + ["auroc"] * _binary(built), test_part, args.batch_size or None)
        print(f"test ({len(test_part)} samples): " + "  ".join(f"{k} {v:.4f}" for k, v in scores.items()))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        torch.save(model.state_dict(), args.out)
        print(f"wrote the trained weights to {args.out}")
    return 0


def _check_args(args) -> None:
    if args.data_dir is not None and (args.examples is not None or args.queries is not None):
        raise LrnnError("give either --data-dir or --examples/--queries, not both")
    if args.examples is None and args.queries is not None:
        raise LrnnError("--queries needs --examples")
    if args.examples is not None and args.template is None:
        raise LrnnError("--examples needs --template (the template file)")
    if args.data_dir is None and args.examples is None and args.template is not None:
        raise LrnnError("--template needs --examples or --data-dir")
    if args.epochs < 1:
        raise LrnnError(f"--epochs must be at least 1, got {args.epochs}")
    if args.batch_size < 0:
        raise LrnnError(f"--batch-size must be at least 0 (0: all samples), got {args.batch_size}")
    if not 0.0 <= args.test_fraction < 1.0:
        raise LrnnError(f"--test-fraction must lie in [0, 1), got {args.test_fraction}")
    try:
        device = torch.device(args.device)
    except RuntimeError as error:
        raise LrnnError(f"invalid --device {args.device!r}: {error}") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise LrnnError(f"--device {args.device}: this torch build has no usable CUDA device; use --device cpu")


def _load(args):
    from .datasets import load_neuralogic_dir
    from .datasets.builtin import load_builtin
    from .language.text import load_dataset, load_template

    if args.data_dir is not None:
        template, dataset = load_neuralogic_dir(args.data_dir, args.template or "template.txt")
        return template, dataset, str(args.data_dir)
    if args.examples is not None:
        template_path = Path(args.template)
        if not template_path.is_file():
            raise LrnnError(f"template file {str(template_path)!r} not found")
        return load_template(template_path), load_dataset(args.examples, args.queries), str(args.examples)
    template, dataset = load_builtin("motifs", num_graphs=args.num_graphs, seed=args.seed)
    return template, dataset, "built-in motif graphs"


def _binary(built) -> bool:
    """True when every target is 0 or 1 (AUROC is then reported)."""
    return all(t is not None and set(t.reshape(-1).tolist()) <= {0.0, 1.0} for ts in built.targets for t in ts)


def _print_epoch(epochs: int):
    width = len(str(epochs))

    def report(epoch: int, logs: dict) -> None:
        values = "  ".join(f"{k} {v:.4f}" for k, v in logs.items() if k not in ("epoch", "time"))
        print(f"epoch {epoch + 1:>{width}}/{epochs}  {values}  ({logs['time']:.2f} s)", flush=True)

    return report


if __name__ == "__main__":
    sys.exit(main())

"""`Settings`: typed options of grounding, compilation and execution.

Names follow PyNeuraLogic where it has the option (`chain_pruning`, `prune_only_identities`,
`initializer`, `iso_value_compression`); unknown names raise :class:`SettingsError`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import torch

from .errors import SettingsError
from .language.functions import Function, lookup

INITIALIZERS = ("glorot", "uniform", "normal", "constant", "he", "torch")
_DTYPES = {"float32": torch.float32, "float64": torch.float64, "float16": torch.float16,
           "bfloat16": torch.bfloat16, "double": torch.float64, "float": torch.float32}


@dataclass(frozen=True)
class Initializer:
    """Distribution of weights given only by dimensions; every draw uses torch's RNG.

    `glorot`: U(-L, L), L = gain * sqrt(6 / (rows + cols)) for matrices, gain * sqrt(6 / (n + 1))
    for vectors, gain * sqrt(3) for scalars. `uniform`: U(-scale/2, scale/2). `normal`: N(0, scale).
    `constant`: every entry equals `scale`. `he`: N(0, 2 / cols). `torch`: U(+-1/sqrt(cols)).
    """

    name: str = "glorot"
    scale: float = 1.0

    def __post_init__(self):
        if self.name not in INITIALIZERS:
            raise SettingsError(f"unknown initializer {self.name!r}; valid: {', '.join(INITIALIZERS)}")


@dataclass(frozen=True)
class Settings:
    """Options of a built model. Defaults give lrnn's semantics (no chain pruning).

    Defaults: rule and relation transformations IDENTITY, rule and relation combinations SUM,
    aggregation AVG, Glorot-uniform initialisation of weights given only by dimensions,
    float32 on the CPU, facts without a value equal to 1.0.

    Args:
        chain_pruning: emulate the reference's default pruning, which bypasses unweighted
            single-input neurons and so drops their functions. Off by default.
        prune_only_identities: with chain pruning, bypass only aggregations and identity neurons.
        iso_value_compression: accepted for compatibility; lrnn never merges neurons by value.
        initializer: an :class:`Initializer` or one of its names.
        dtype, device: of weights and values.
        rule_transformation, relation_transformation, rule_combination, relation_combination,
            aggregation: defaults for rules and relations without explicit functions.
        duplicate_grounding: keep substitutions that differ only in valueless literals.
        default_fact_value: value of facts written without a value.
        learnable_facts: make example fact values parameters of the built dataset.
        max_groundings: limit on ground instances per rule; exceeding it raises GroundingLimitError.
        recursion_depth: if set, unroll recursive rules this many steps instead of requiring an
            acyclic ground network.
        progress: tqdm progress bars for long work: True or False force them, None shows them
            on a terminal or in a notebook.
    """

    chain_pruning: bool = False
    prune_only_identities: bool = False
    iso_value_compression: bool = False
    initializer: Initializer | str = field(default_factory=Initializer)
    dtype: torch.dtype | str = torch.float32
    device: torch.device | str = "cpu"
    rule_transformation: Function | str = "identity"
    relation_transformation: Function | str = "identity"
    rule_combination: Function | str = "sum"
    relation_combination: Function | str = "sum"
    aggregation: Function | str = "avg"
    duplicate_grounding: bool = False
    default_fact_value: float = 1.0
    learnable_facts: bool = False
    max_groundings: int = 50_000_000
    recursion_depth: int | None = None
    progress: bool | None = None

    def __post_init__(self):
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        if isinstance(self.initializer, str):
            set_("initializer", Initializer(self.initializer))
        elif not isinstance(self.initializer, Initializer):
            raise SettingsError(f"initializer must be an Initializer or a name, got {self.initializer!r}")
        if isinstance(self.dtype, str):
            if self.dtype not in _DTYPES:
                raise SettingsError(f"unknown dtype {self.dtype!r}; valid: {', '.join(_DTYPES)}")
            set_("dtype", _DTYPES[self.dtype])
        elif not isinstance(self.dtype, torch.dtype) or not self.dtype.is_floating_point:
            raise SettingsError(f"dtype must be a floating torch dtype, got {self.dtype!r}")
        set_("device", torch.device(self.device))
        for name, kind in (("rule_transformation", "transformation"),
                           ("relation_transformation", "transformation"),
                           ("rule_combination", "combination"), ("relation_combination", "combination"),
                           ("aggregation", "aggregation")):
            value = getattr(self, name)
            if isinstance(value, str):
                set_(name, lookup(kind, value))
            elif not isinstance(value, Function) or value.kind != kind:
                raise SettingsError(f"{name} must be a {kind}, got {value!r}")
        for name in ("chain_pruning", "prune_only_identities", "iso_value_compression",
                     "duplicate_grounding", "learnable_facts"):
            if not isinstance(getattr(self, name), bool):
                raise SettingsError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if self.progress is not None and not isinstance(self.progress, bool):
            raise SettingsError(f"progress must be True, False or None, got {self.progress!r}")
        if not isinstance(self.max_groundings, int) or self.max_groundings < 1:
            raise SettingsError(f"max_groundings must be a positive int, got {self.max_groundings!r}")
        if self.recursion_depth is not None and (not isinstance(self.recursion_depth, int)
                                                 or self.recursion_depth < 1):
            raise SettingsError(f"recursion_depth must be a positive int or None, got {self.recursion_depth!r}")

    def replace(self, **changes) -> Settings:
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise SettingsError(f"unknown settings {sorted(unknown)}; valid: {[f.name for f in fields(self)]}")
        return replace(self, **changes)


_original_init = Settings.__init__


def _checked_init(self, *args, **kwargs):
    valid = {f.name for f in fields(Settings)}
    unknown = sorted(set(kwargs) - valid)
    if unknown:
        raise SettingsError(f"unknown settings {unknown}; valid names: {', '.join(sorted(valid))}")
    _original_init(self, *args, **kwargs)


Settings.__init__ = _checked_init

"""Exception hierarchy of lrnn.

Every error that lrnn raises on bad input is an :class:`LrnnError`. Each subclass also
inherits the builtin exception it refines, so ``except ValueError`` keeps working.
"""
from __future__ import annotations


class LrnnError(Exception):
    """Base class of every error lrnn raises on invalid templates, data or settings."""


class ParseError(LrnnError, ValueError):
    """Text in the NeuraLogic format could not be parsed; the message names file, line and column."""


class TemplateError(LrnnError, ValueError):
    """A template construct is malformed (a rule, literal, relation setting or metadata entry)."""


class WeightError(TemplateError):
    """A weight or value specification is malformed, or one weight name has two initial values."""


class UnsafeRuleError(TemplateError):
    """A head variable is not bound by any positive body literal of its rule."""


class UnknownFunctionError(TemplateError, KeyError):
    """A transformation, combination or aggregation name is not known."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class SettingsError(LrnnError, TypeError):
    """An unknown setting name or a setting value of the wrong type."""


class GroundingError(LrnnError, RuntimeError):
    """Grounding failed: an unstratifiable negation, or a ground network over its size limit."""


class StratificationError(GroundingError):
    """A predicate depends on itself through negation, so no stratified model exists."""


class GroundingLimitError(GroundingError):
    """A rule produced more ground instances than the configured limit allows."""


class CyclicGroundingError(GroundingError):
    """The ground network of a sample contains a cycle; the message names one cycle."""


class QueryError(LrnnError, ValueError):
    """A query has no proof in its sample, or names only an input fact."""


class ShapeError(LrnnError, ValueError):
    """Values or weights of incompatible shapes meet in a rule; the message names the rule."""


class DatasetError(LrnnError, ValueError):
    """A dataset, sample, label or data file is invalid or missing."""


class InputFactError(LrnnError, ValueError):
    """Facts fed to the torch integration module were not declared or have the wrong shape."""


class UnsupportedOptionError(TemplateError, NotImplementedError):
    """A zoo layer was given an option it does not implement; the message names an alternative."""

"""`Template`: the rules, template facts and relation settings a user writes."""
from __future__ import annotations

from ..errors import TemplateError
from .dsl import Atom, RelationSettings, Rule, ensure_fact
from .text_output import entry_text


class Template:
    """An ordered collection of rules, template facts and relation settings.

    Add entries with `+=` (a rule `head <= body`, a fact `R.b(C.a)[0.5]`, relation settings
    `R.h / 1 | [Transformation.SIGMOID]`, or a list of them). `str(template)` prints the
    NeuraLogic text format, which :func:`lrnn.parse_template` reads back to an equal template.
    `template.build(settings)` compiles it into a :class:`lrnn.Model`.

    Example:
        >>> from lrnn import R, V, Template
        >>> template = Template()
        >>> template += R.h(V.X)[1, 3] <= R.f(V.X)[3, 2]
        >>> len(template)
        1
    """

    def __init__(self, entries=()):
        self._entries: list = []
        self.add_rules(entries)

    def add(self, entry) -> Template:
        if isinstance(entry, (list, tuple)):
            return self.add_rules(entry)
        if isinstance(entry, Rule):
            self._check_rule(entry)
        elif isinstance(entry, RelationSettings):
            pass
        elif isinstance(entry, Atom):
            ensure_fact(entry, "template fact")
        else:
            raise TemplateError(f"cannot add {entry!r} ({type(entry).__name__}) to a template; "
                                "add rules (head <= body), facts (R.b(C.a)[0.5]) or relation settings")
        self._entries.append(entry)
        return self

    def add_rules(self, entries) -> Template:
        for entry in entries:
            self.add(entry)
        return self

    def __iadd__(self, entry) -> Template:
        return self.add(entry)

    def __iter__(self):
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __getitem__(self, index):
        return self._entries[index]

    def __eq__(self, other) -> bool:
        return isinstance(other, Template) and self._entries == other._entries

    @property
    def rules(self) -> list[Rule]:
        return [e for e in self._entries if isinstance(e, Rule)]

    @property
    def facts(self) -> list[Atom]:
        return [e for e in self._entries if isinstance(e, Atom)]

    @property
    def relation_settings(self) -> list[RelationSettings]:
        return [e for e in self._entries if isinstance(e, RelationSettings)]

    def __str__(self) -> str:
        return "\n".join(entry_text(e) for e in self._entries) + ("\n" if self._entries else "")

    def __repr__(self) -> str:
        return f"Template({len(self.rules)} rules, {len(self.facts)} facts, " \
               f"{len(self.relation_settings)} relation settings)"

    def build(self, settings=None):
        """Compile this template into a :class:`lrnn.Model` (an ``nn.Module``)."""
        from ..model import Model

        return Model(self, settings)

    @staticmethod
    def _check_rule(rule: Rule) -> None:
        head = rule.head
        if head.negated or head.special or head.function is not None:
            raise TemplateError(f"rule head {head} cannot be negated, a builtin or carry a function")
        if head.terms == ("...",):
            raise TemplateError(f"rule head {head} cannot use the ... shorthand")

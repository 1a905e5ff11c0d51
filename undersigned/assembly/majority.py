"""Majority rules as a policy, and the verdict of a ballot with the arithmetic behind it.

Everything is counted in exact fractions: "more than two thirds" of 30 is decided on
21 > 20, never on 0.6999 against 0.6667.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from django.utils.translation import gettext as _

BASES = ("cast", "cast_abstain", "present", "entitled")
QUORUM_OF = ("", "entitled", "present")


@dataclass(frozen=True)
class Policy:
    """The required share of yes votes (`fraction`, "more than" when `strict`) of a base:
    yes+no ("cast"), yes+no+abstain ("cast_abstain"), those present or those entitled.
    An optional quorum: votes cast must reach `quorum` of those present, or those present
    must reach `quorum` of those entitled."""

    fraction: Fraction = Fraction(1, 2)
    strict: bool = True
    base: str = "cast"
    quorum: Fraction | None = None
    quorum_of: str = ""

    def __post_init__(self) -> None:
        # Translated when raised: services pass the message on to the chair.
        if not 0 < self.fraction <= 1:
            raise ValueError(_("The required fraction must lie between 0 and 1."))
        if self.base not in BASES:
            raise ValueError(
                _("Unknown base for the majority: %(base)s.") % {"base": str(self.base)[:40]}
            )
        if self.quorum_of not in QUORUM_OF or (self.quorum is None) != (self.quorum_of == ""):
            raise ValueError(_("A quorum needs both its fraction and what it is a fraction of."))
        if self.quorum is not None and not 0 < self.quorum <= 1:
            raise ValueError(_("The quorum must lie between 0 and 1."))


@dataclass(frozen=True)
class Count:
    yes: int
    no: int
    abstain: int = 0
    present: int | None = None  # None: taken as everyone who voted
    entitled: int | None = None  # None: unknown (a base or quorum that needs it fails)


@dataclass
class Verdict:
    adopted: bool
    quorum_met: bool
    base: int
    required: Fraction  # yes votes must exceed (strict) or reach this
    lines: list[str] = field(default_factory=list)  # the arithmetic, for people

    @property
    def explanation(self) -> str:
        return "\n".join(self.lines)


def _fraction_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def _number(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.2f}"


def decide(policy: Policy, count: Count) -> Verdict:
    cast = count.yes + count.no + count.abstain
    present = count.present if count.present is not None else cast
    bases = {
        "cast": (count.yes + count.no, _("yes + no")),
        "cast_abstain": (cast, _("yes + no + abstentions")),
        "present": (present, _("present")),
        "entitled": (count.entitled, _("entitled to vote")),
    }
    base, base_label = bases[policy.base]
    if base is None:
        raise ValueError("this policy needs the number of those entitled to vote")
    lines = [
        _("Yes %(yes)d, no %(no)d, abstentions %(abstain)d.")
        % {"yes": count.yes, "no": count.no, "abstain": count.abstain}
    ]
    quorum_met = True
    if policy.quorum is not None:
        if policy.quorum_of == "entitled":
            if count.entitled is None:
                raise ValueError("this quorum needs the number of those entitled to vote")
            needed, have, label = policy.quorum * count.entitled, present, _("present")
            whole = _("entitled to vote")
        else:
            needed, have, label = policy.quorum * present, cast, _("votes cast")
            whole = _("present")
        quorum_met = have >= needed
        lines.append(
            _("Quorum: %(label)s %(have)d, needed %(fraction)s of %(whole)s = %(needed)s: %(met)s.")
            % {
                "label": label,
                "have": have,
                "fraction": _fraction_text(policy.quorum),
                "whole": whole,
                "needed": _number(needed),
                "met": _("met") if quorum_met else _("not met"),
            }
        )
    required = policy.fraction * base
    passed = count.yes > required if policy.strict else count.yes >= required
    comparison = _("more than") if policy.strict else _("at least")
    lines.append(
        _(
            "Required: %(comparison)s %(fraction)s of %(base_label)s (%(base)d) = %(required)s;"
            " yes: %(yes)d."
        )
        % {
            "comparison": comparison,
            "fraction": _fraction_text(policy.fraction),
            "base_label": base_label,
            "base": base,
            "required": _number(required),
            "yes": count.yes,
        }
    )
    adopted = quorum_met and passed and base > 0
    if not quorum_met:
        lines.append(_("Not adopted: no quorum."))
    elif adopted:
        lines.append(_("Adopted."))
    else:
        lines.append(_("Not adopted."))
    return Verdict(
        adopted=adopted, quorum_met=quorum_met, base=base, required=required, lines=lines
    )

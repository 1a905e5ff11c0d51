from fractions import Fraction

import pytest

from undersigned.assembly.majority import Count, Policy, decide


def test_simple_majority_of_yes_and_no():
    verdict = decide(Policy(), Count(yes=11, no=10, abstain=30))
    assert verdict.adopted and verdict.base == 21


def test_a_tie_is_not_a_majority():
    assert not decide(Policy(), Count(yes=10, no=10)).adopted


def test_two_thirds_counts_exactly():
    policy = Policy(fraction=Fraction(2, 3))
    assert not decide(policy, Count(yes=20, no=10)).adopted  # 20 is not more than 20
    assert decide(Policy(fraction=Fraction(2, 3), strict=False), Count(yes=20, no=10)).adopted


def test_abstentions_count_against_when_the_base_includes_them():
    count = Count(yes=11, no=5, abstain=6)
    assert decide(Policy(), count).adopted
    assert not decide(Policy(base="cast_abstain"), count).adopted


def test_base_of_those_entitled():
    verdict = decide(Policy(base="entitled"), Count(yes=20, no=0, entitled=50))
    assert not verdict.adopted and verdict.required == 25


def test_quorum_of_those_entitled_must_be_present():
    policy = Policy(quorum=Fraction(1, 2), quorum_of="entitled")
    verdict = decide(policy, Count(yes=10, no=2, present=20, entitled=50))
    assert not verdict.quorum_met and not verdict.adopted
    assert "Not adopted: no quorum." in verdict.explanation


def test_the_arithmetic_is_shown():
    verdict = decide(Policy(fraction=Fraction(3, 4)), Count(yes=31, no=9))
    assert "more than 3/4 of yes + no (40) = 30" in verdict.explanation
    assert verdict.lines[-1] == "Adopted."


def test_a_policy_needs_a_sensible_fraction():
    with pytest.raises(ValueError):
        Policy(fraction=Fraction(3, 2))

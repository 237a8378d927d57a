"""Every (state, action) pair of the commitment state machine: allowed ones land where they
should, the rest are refused with a message saying why."""

from __future__ import annotations

import itertools

import pytest

from domain.commitments import ACTIONS, next_state
from domain.errors import DomainError
from storage.dto import State

S = State
ALLOWED = {
    # (state, action, approved before) -> new state
    (S.DRAFT, "edit", False): S.DRAFT,
    (S.DRAFT, "submit", False): S.SUBMITTED,
    (S.SUBMITTED, "approve", False): S.APPROVED,
    (S.SUBMITTED, "approve", True): S.APPROVED,
    (S.SUBMITTED, "return", False): S.RETURNED,
    (S.SUBMITTED, "return", True): S.RETURNED,
    (S.SUBMITTED, "withdraw", False): S.DRAFT,
    (S.SUBMITTED, "withdraw", True): S.AMENDING,
    (S.RETURNED, "edit", False): S.RETURNED,
    (S.RETURNED, "edit", True): S.RETURNED,
    (S.RETURNED, "submit", False): S.SUBMITTED,
    (S.RETURNED, "submit", True): S.SUBMITTED,
    (S.APPROVED, "edit", True): S.AMENDING,
    (S.AMENDING, "edit", True): S.AMENDING,
    (S.AMENDING, "submit", True): S.SUBMITTED,
}
# Draft is never "approved before"; approved and amending always are.
REACHABLE = [
    (state, action, before)
    for state, action, before in itertools.product(State, ACTIONS, (False, True))
    if not (state is S.DRAFT and before) and not (state in (S.APPROVED, S.AMENDING) and not before)
]


@pytest.mark.parametrize(("state", "action", "before"), REACHABLE)
def test_transition(state: State, action: str, before: bool) -> None:
    expected = ALLOWED.get((state, action, before))
    if expected is None:
        with pytest.raises(DomainError) as refused:
            next_state(state, action, before)
        assert refused.value.key == f"commitment.cannot_{action}"
        assert refused.value.params == {"state": f"state.{state.value}"}
    else:
        assert next_state(state, action, before) is expected


def test_every_allowed_transition_is_reachable() -> None:
    assert set(ALLOWED) <= set(REACHABLE)
    assert len(REACHABLE) == 35

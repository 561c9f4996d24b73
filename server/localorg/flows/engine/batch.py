"""All inputs of one invoke in one transaction, as Salesforce runs them.

- One transaction, one set of governor limits for every input (Help, "Per-Transaction Flow Limits"; the REST
  invocation runs the inputs "in the same transaction": Metadata API, InvocableActionSettings).
- Bulkification (Help, "Flow Bulkification in Transactions"): each interview runs until it reaches a bulkifiable
  element; the interviews waiting at the same element run it together as one SOQL query / DML statement; then the
  next group, until all have finished.
- A governor limit fails every interview of the transaction and rolls it all back, with no retry.
- Another failure: with partial save off (InvocableActionSettings.isPartialSaveAllowed = false) "Salesforce rolls
  back other invocable actions in the same transaction and the entire transaction fails"; with it on, "Salesforce
  tries three times to execute invocable actions that run successfully and rolls back only the invocable actions that
  fail": the embedded org rolls back, runs the inputs that succeeded again (up to three times) and commits the first
  run in which none fails.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from typing import Any

from ..model import Flow
from .flow_engine import FlowEngine, InterviewOutcome, PendingInterview
from .governor import Transaction

__all__ = ["MAX_PARTIAL_SAVE_RETRIES", "ROLLED_BACK_CODE", "run_batch"]

MAX_PARTIAL_SAVE_RETRIES = 3
# Salesforce's StatusCode for work undone because another part of an all-or-none operation failed.
ROLLED_BACK_CODE = "ALL_OR_NONE_OPERATION_ROLLED_BACK"


class _RollBack(Exception):
    pass


def run_batch(
    engine: FlowEngine,
    flow: Flow,
    inputs: Sequence[Any],
    *,
    user: Mapping[str, Any] | None = None,
    partial_save: bool = False,
) -> list[InterviewOutcome]:
    """One outcome per input, in order. Committed only when the outcomes say so (none in Error, or those that are
    not in Error after partial save)."""
    outcomes: list[InterviewOutcome | None] = [None] * len(inputs)
    todo = list(range(len(inputs)))
    for _attempt in range(1 + (MAX_PARTIAL_SAVE_RETRIES if partial_save else 0)):
        tx = Transaction(engine.limits)
        done = False
        with suppress(_RollBack), engine.records.savepoint():
            pendings = [engine.start(flow, inputs[i], tx, user=user) for i in todo]
            _lockstep(pendings, tx)
            ran = {i: p.outcome for i, p in zip(todo, pendings, strict=True)}
            limit = next((o for o in ran.values() if o is not None and o.error_code == "LIMIT_EXCEEDED"), None)
            if limit is not None:  # every interview of the transaction fails; nothing is retried
                for i in todo:
                    outcomes[i] = ran[i] if ran[i] is limit else _failed_with(ran[i], limit)
                done = True
                raise _RollBack
            failed = [i for i in todo if _is_error(ran[i])]
            for i in todo:
                outcomes[i] = ran[i]
            if not failed:
                done = True  # leaving the block normally commits this run
            else:
                todo = [i for i in todo if i not in failed]
                if not partial_save:
                    for i in todo:
                        outcomes[i] = _rolled_back(ran[i], partial_save=False)
                    done = True
                raise _RollBack
        if done or not todo:
            return _all(outcomes)
    for i in todo:  # every retry had a new failure: nothing of this request is saved
        outcomes[i] = _rolled_back(outcomes[i], partial_save=True)
    return _all(outcomes)


def _lockstep(pendings: list[PendingInterview], tx: Transaction) -> None:
    waiting = [(p, key) for p in pendings if (key := p.advance()) is not None]
    while waiting:
        key = waiting[0][1]
        group = [p for p, k in waiting if k == key]
        waiting = [(p, k) for p, k in waiting if k != key]
        tx.begin_step(key)
        try:
            for pending in group:
                next_key = pending.advance()
                if pending.outcome is not None and pending.outcome.error_code == "LIMIT_EXCEEDED":
                    return  # the transaction has failed: the others stop where they are
                if next_key is not None:
                    waiting.append((pending, next_key))
        finally:
            tx.begin_step(None)


def _is_error(outcome: InterviewOutcome | None) -> bool:
    return outcome is None or outcome.status == "Error"


def _failed_with(outcome: InterviewOutcome | None, limit: InterviewOutcome) -> InterviewOutcome:
    guid = outcome.guid if outcome is not None else limit.guid
    return InterviewOutcome(guid, "Error", {}, None, None, limit.error_code, limit.error_message)


def _rolled_back(outcome: InterviewOutcome | None, *, partial_save: bool) -> InterviewOutcome:
    if partial_save:
        why = (
            "it ran without error, but each of the retries that partial save allows had a new failure, so nothing "
            "of this request was saved"
        )
    else:
        why = (
            "it ran without error, but another input of the same request failed and the org does not allow partial "
            "save of invocable actions (InvocableActionSettings.isPartialSaveAllowed is false), so the whole "
            "transaction was rolled back"
        )
    guid = outcome.guid if outcome is not None else ""
    return InterviewOutcome(guid, "Error", {}, None, None, ROLLED_BACK_CODE, f"This input was rolled back: {why}.")


def _all(outcomes: list[InterviewOutcome | None]) -> list[InterviewOutcome]:
    assert all(o is not None for o in outcomes)
    return [o for o in outcomes if o is not None]

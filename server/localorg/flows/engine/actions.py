"""Stubs for actionCalls the embedded org cannot run by itself (Apex, Slack, external services, ...).

A stub is a Python callable (JSON-ready inputs -> JSON-ready outputs) or canned JSON outputs. A handler signals a
failure the flow can catch with a fault connector by raising ActionError. A few standard actions the org can do
cheaply are built in (emailSimple logs and succeeds; generateVerificationCode makes a code; screen-flow `component`
actions run in a browser, so they do nothing here).
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["ActionError", "ActionHandler", "ActionRegistry", "action_key"]

log = logging.getLogger(__name__)

ActionHandler = Callable[[dict[str, Any]], dict[str, Any]]
MAX_STUB_FILE_BYTES = 5 * 1024 * 1024


class ActionError(Exception):
    """Raised by a stub: the action failed; the flow takes its fault connector with this message."""


def action_key(action_type: str, action_name: str) -> str:
    """How an action is named in messages and registrations: `apex:ClassName`, `emailSimple`, `slackPostMessage`."""
    return action_name if action_type == action_name else f"{action_type}:{action_name}"


def _email_simple(inputs: dict[str, Any]) -> dict[str, Any]:
    # The embedded org sends no mail: it logs the message so a demo shows what would have gone out.
    log.info(
        "emailSimple (not sent by the embedded org): to=%s subject=%r",
        inputs.get("emailAddresses") or inputs.get("emailAddressesArray") or inputs.get("recipientId"),
        inputs.get("emailSubject"),
    )
    return {}


def _generate_verification_code(inputs: dict[str, Any]) -> dict[str, Any]:
    return {"verificationCode": f"{secrets.randbelow(10**6):06d}", "authenticationKey": secrets.token_hex(16)}


def _browser_only(inputs: dict[str, Any]) -> dict[str, Any]:
    return {}


_BUILT_INS: dict[str, ActionHandler] = {
    "emailSimple": _email_simple,
    "generateVerificationCode": _generate_verification_code,
}
_BUILT_IN_TYPES: dict[str, ActionHandler] = {"component": _browser_only}


class _Canned:
    """Canned outputs: one object for every call, or a list used in order (the last one repeats)."""

    def __init__(self, name: str, outputs: dict[str, Any] | list[dict[str, Any]]) -> None:
        self._name = name
        self._outputs = outputs
        self._calls = 0
        self._lock = threading.Lock()

    def __call__(self, inputs: dict[str, Any]) -> dict[str, Any]:
        if isinstance(self._outputs, dict):
            result = self._outputs
        else:
            with self._lock:
                index = min(self._calls, len(self._outputs) - 1)
                self._calls += 1
            result = self._outputs[index]
        if isinstance(result.get("$error"), str):
            raise ActionError(result["$error"])
        return dict(result)


class ActionRegistry:
    """Action name -> handler. Names: `apex:ClassName` or just `ClassName`; other types by their action name."""

    def __init__(self) -> None:
        self._handlers: dict[str, ActionHandler] = {}

    def register(self, action_name: str, handler: ActionHandler) -> None:
        if not isinstance(action_name, str) or not action_name.strip():
            raise ValueError("an action stub needs a name, e.g. 'apex:MyInvocableClass'")
        if not callable(handler):
            raise ValueError(f"the stub for {action_name!r} must be callable")
        self._handlers[action_name.strip()] = handler

    def load_json(self, path: Path) -> None:
        """Register canned outputs: {"apex:Name": {outputs} | [{outputs per call}, ...]}; {"$error": msg} faults."""
        if path.stat().st_size > MAX_STUB_FILE_BYTES:
            raise ValueError(f"{path}: action stub files are limited to {MAX_STUB_FILE_BYTES} bytes")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected an object mapping action names to outputs")
        for name, outputs in data.items():
            if isinstance(outputs, list):
                if not outputs or not all(isinstance(item, dict) for item in outputs):
                    raise ValueError(f"{path}: {name!r} must map to an object or a non-empty list of objects")
            elif not isinstance(outputs, dict):
                raise ValueError(f"{path}: {name!r} must map to an object or a non-empty list of objects")
            self.register(name, _Canned(name, outputs))

    def names(self) -> list[str]:
        return sorted(self._handlers)

    def lookup(self, action_type: str, action_name: str) -> ActionHandler | None:
        """The registered stub, else a built-in, else None."""
        for key in (f"{action_type}:{action_name}", action_name):
            if key in self._handlers:
                return self._handlers[key]
        if action_type == action_name and action_name in _BUILT_INS:
            return _BUILT_INS[action_name]
        return _BUILT_IN_TYPES.get(action_type)

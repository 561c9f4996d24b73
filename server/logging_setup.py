"""Logging goes to stderr only: stdout is the MCP channel."""

from __future__ import annotations

import logging
import os
import sys
from types import TracebackType

from .auth.masking import install_log_masking


def configure_logging(verbose: bool = False) -> None:
    level_name = os.environ.get("SALESFORCE_FLOW_MCP_LOG", "DEBUG" if verbose else "WARNING").upper()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level_name, logging.WARNING))
    install_log_masking()  # defence in depth: nothing token-shaped reaches a log line
    # Warnings and a crash's traceback reach stderr through logging too, so they are masked like every log line.
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught


def _log_uncaught(kind: type[BaseException], value: BaseException, traceback: TracebackType | None) -> None:
    logging.getLogger("salesforce_flow_mcp").critical("uncaught exception", exc_info=(kind, value, traceback))

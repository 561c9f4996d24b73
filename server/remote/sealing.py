"""Encryption at rest for everything the remote server stores (Fernet: AES-128-CBC + HMAC-SHA256, from
`cryptography`), with keys from the environment.

SALESFORCE_FLOW_MCP_STORE_KEY holds one or more comma-separated Fernet keys: the first encrypts, all decrypt, so a
key is rotated by putting the new one first and dropping the old one once every record has been rewritten.
Generate a key with `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

ENV_STORE_KEY = "SALESFORCE_FLOW_MCP_STORE_KEY"
MAKE_KEY = 'make one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
logger = logging.getLogger(__name__)


class SealError(ValueError):
    """A key that is not a Fernet key, or a stored value no configured key opens."""


class Sealer:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise SealError(f"{ENV_STORE_KEY} names no key")
        try:
            self._fernet = MultiFernet([Fernet(key.strip().encode()) for key in keys])
        except ValueError:
            raise SealError(
                f"{ENV_STORE_KEY} must hold Fernet keys (32 url-safe base64-encoded bytes, comma-separated); {MAKE_KEY}"
            ) from None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, ephemeral_ok: bool) -> Sealer:
        """The configured keys; without any, a key for this process only when `ephemeral_ok` (sign-ins then do not
        survive a restart), else SealError."""
        env = os.environ if env is None else env
        keys = [k for k in (env.get(ENV_STORE_KEY) or "").split(",") if k.strip()]
        if keys:
            return cls(keys)
        if not ephemeral_ok:
            raise SealError(
                f"{ENV_STORE_KEY} is not set: the token store of a shared server must be encrypted with a key every "
                f"replica shares; {MAKE_KEY}"
            )
        logger.warning("%s is not set: using a key for this process only; sign-ins end when it stops", ENV_STORE_KEY)
        return cls([Fernet.generate_key().decode()])

    def seal(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def open(self, sealed: bytes) -> bytes:
        try:
            return self._fernet.decrypt(sealed)
        except InvalidToken:
            raise SealError(f"a stored value does not open with the keys in {ENV_STORE_KEY}") from None

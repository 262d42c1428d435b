"""Ed25519 keys. One signs audit checkpoints (DIXIAN_AUDIT_KEY, held by the projector); its public half,
DIXIAN_AUDIT_PUBLIC_KEY, verifies checkpoints and exports anywhere, with nothing else. One is the API's own
(DIXIAN_COMMAND_KEY): it signs the commands the API hands the workflows (the workers hold its public half,
DIXIAN_COMMAND_PUBLIC_KEY), the receipts of writes and the manifests of dossiers. Each is the 32-byte private seed
in hex or, in the embedded default, generated once under the data directory (mode 0600)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


class SigningKey:
    def __init__(self, seed: bytes) -> None:
        if len(seed) != 32:
            raise ValueError("an Ed25519 private key is 32 bytes (64 hex characters)")
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
        self.key_id = key_id_of(self.public_key)

    @classmethod
    def from_hex(cls, text: str, variable: str = "DIXIAN_AUDIT_KEY") -> SigningKey:
        try:
            return cls(bytes.fromhex(text.strip()))
        except ValueError as e:
            raise ValueError(f"{variable}: {e}") from None

    def __repr__(self) -> str:
        return f"SigningKey(key_id={self.key_id!r})"  # never the seed

    def sign(self, data: bytes) -> tuple[str, str, str]:
        return self._key.sign(data).hex(), self.key_id, self.public_key


def key_id_of(public_key: str) -> str:
    """A public key's short id (what signatures name)."""
    return hashlib.sha256(bytes.fromhex(public_key)).hexdigest()[:16]


def canonical_bytes(data: Mapping[str, Any]) -> bytes:
    """What is signed: JSON with sorted keys and no spaces, so that signer and checker hash the same bytes."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def check(data: bytes, signature_hex: str, public_key_hex: str) -> bool:
    """Whether ``signature_hex`` is an Ed25519 signature of ``data`` by ``public_key_hex``."""
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex)).verify(bytes.fromhex(signature_hex), data)
    except (InvalidSignature, ValueError):
        return False
    return True

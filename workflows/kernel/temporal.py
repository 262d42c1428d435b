"""How every Dixian process reaches Temporal: one data converter that encrypts every payload (update arguments,
activity inputs and results, memos, and the messages and stack traces of failures) and the cluster's TLS settings.

Temporal keeps what it is given in its histories, its database and its Web UI, which have their own access rules:
the personal data a step carries (names, ID numbers, incomes, free text) must reach it only as ciphertext. Payloads
are sealed with AES-GCM under a key derived from the event store's cipher key (HKDF, its own purpose), so that no
further secret is to be kept and a key change of the one changes the other. Search attributes are never encrypted
(workflows.cases.search_attributes holds only codes, stages and dates). A payload that is not encrypted — a history
recorded before this — is read as it is.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes, PayloadCodec
from temporalio.envconfig import ClientConfigProfile, ClientConnectConfig
from temporalio.runtime import Runtime

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
_NONCE = 12


def payload_key(cipher_key: str) -> bytes:
    """The payload key: HKDF-SHA256 of the event store's cipher key (base64), for this one purpose."""
    material = base64.b64decode(cipher_key)
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"dixian temporal payloads v1").derive(material)


class PayloadCipher(PayloadCodec):
    """AES-256-GCM over each whole payload (its metadata and data), as in Temporal's encryption sample; the key id
    says which key sealed it."""

    def __init__(self, key: bytes) -> None:
        self._aes = AESGCM(key)
        self.key_id = hashlib.sha256(key).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"PayloadCipher(key_id={self.key_id!r})"

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.seal(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.open(p) for p in payloads]

    def seal(self, payload: Payload) -> Payload:
        nonce = os.urandom(_NONCE)
        data = nonce + self._aes.encrypt(nonce, payload.SerializeToString(), None)
        return Payload(metadata={"encoding": ENCODING, KEY_ID: self.key_id.encode()}, data=data)

    def open(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload  # written before payloads were encrypted
        key_id = payload.metadata.get(KEY_ID, b"").decode()
        if key_id != self.key_id:
            raise ValueError(f"a payload sealed with key {key_id!r} cannot be opened with key {self.key_id!r}")
        data = payload.data
        try:
            return Payload.FromString(self._aes.decrypt(data[:_NONCE], data[_NONCE:], None))
        except InvalidTag:
            raise ValueError("a sealed payload was altered") from None


def data_converter(cipher_key: str) -> DataConverter:
    """pydantic payloads, sealed; failures' messages and stack traces moved into a sealed payload too."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=PayloadCipher(payload_key(cipher_key)),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def security() -> ClientConnectConfig:
    """TLS, mTLS or an API key, as Temporal's own client variables say (TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH,
    TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME, TEMPORAL_API_KEY, or
    its configuration file)."""
    return ClientConfigProfile.load().to_client_connect_config()


async def connect(address: str, namespace: str, cipher_key: str, runtime: Runtime | None = None) -> Client:
    """A client of the cluster at ``address`` that seals and opens Dixian's payloads, secured as ``security`` says."""
    options = security()
    return await Client.connect(
        address,
        namespace=namespace,
        data_converter=data_converter(cipher_key),
        runtime=runtime,
        tls=options.get("tls", False),
        api_key=options.get("api_key"),
    )

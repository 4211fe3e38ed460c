"""The audit keys as the key file holds them, read straight from the file (not through the
code under test), so tests can compute links and check signatures on their own."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def _key_file(settings) -> dict:
    with open(settings.keyring_file, encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture
def audit_key(app, settings) -> bytes:
    """The audit HMAC key of the test instance (the app has created the key file)."""
    return base64.b64decode(_key_file(settings)["audit_key"])


@pytest.fixture
def instance_public_key(app, settings) -> bytes:
    """The raw 32-byte Ed25519 public key of the test instance."""
    seed = base64.b64decode(_key_file(settings)["instance_signing_key"])
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)

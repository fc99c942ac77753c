"""WeCom callback crypto over `cryptography`: msg_signature (SHA-1) and the AES-256-CBC message
format WeCom publishes for callbacks (加解密方案).

The key is base64(EncodingAESKey + "="), 32 bytes; the IV is its first 16 bytes. The plain text
is random(16) + length(4, network order) + message + receiveid (the corp id), PKCS#7-padded to
32-byte blocks, then base64-encoded. tests/test_wecom_crypto.py checks this against wechatpy.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeCom pads to 32 bytes, not AES's 16
RANDOM = 16
LENGTH = struct.Struct(">I")


class CryptoError(Exception):
    """A callback that does not decrypt to a message for this corp (never a bad signature)."""


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    """WeCom's msg_signature: SHA-1 over the four strings sorted and joined."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key behind a 43-character EncodingAESKey; ValueError when it is not one."""
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("EncodingAESKey is not base64") from None
    if len(encoding_aes_key) != 43 or len(key) != 32:
        raise ValueError("EncodingAESKey must be 43 characters (32 bytes)")
    return key


class CallbackCrypto:
    """One app's Token, EncodingAESKey and corp id: signs, checks, encrypts and decrypts."""

    def __init__(self, token: str, encoding_aes_key: str, corp_id: str) -> None:
        self._token = token
        self._key = aes_key(encoding_aes_key)
        self._receive_id = corp_id.encode("utf-8")

    def sign(self, timestamp: str, nonce: str, encrypted: str) -> str:
        return signature(self._token, timestamp, nonce, encrypted)

    def signature_ok(self, given: str, timestamp: str, nonce: str, encrypted: str) -> bool:
        expected = self.sign(timestamp, nonce, encrypted)
        return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))

    def decrypt_echo(self, given: str, timestamp: str, nonce: str, echostr: str) -> str:
        """The plain echostr of a URL verification (signature already checked)."""
        return self.open(echostr)

    def decrypt(self, given: str, timestamp: str, nonce: str, encrypted: str) -> str:
        """The inner XML of a message (signature already checked)."""
        return self.open(encrypted)

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def seal(self, message: str, random: bytes | None = None) -> str:
        """The base64 `Encrypt` text of `message` for this corp (a reply, or a test's input)."""
        body = message.encode("utf-8")
        raw = (random or os.urandom(RANDOM)) + LENGTH.pack(len(body)) + body + self._receive_id
        pad = BLOCK - len(raw) % BLOCK
        raw += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(raw) + encryptor.finalize()).decode("ascii")

    def open(self, encrypted: str) -> str:
        """The message inside an `Encrypt` text; CryptoError for anything else."""
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError):  # not base64, or not ASCII at all
            raise CryptoError("not base64") from None
        if not data or len(data) % BLOCK:
            raise CryptoError("not whole blocks")
        decryptor = self._cipher().decryptor()
        raw = decryptor.update(data) + decryptor.finalize()
        pad = raw[-1]
        if not 1 <= pad <= BLOCK or raw[-pad:] != bytes([pad]) * pad:
            raise CryptoError("bad padding")
        raw = raw[:-pad]
        if len(raw) < RANDOM + LENGTH.size:
            raise CryptoError("too short")
        (length,) = LENGTH.unpack_from(raw, RANDOM)
        start = RANDOM + LENGTH.size
        if start + length > len(raw):
            raise CryptoError("length beyond the text")
        if not hmac.compare_digest(raw[start + length :], self._receive_id):
            raise CryptoError("another corp's message")
        try:
            return raw[start : start + length].decode("utf-8")
        except UnicodeDecodeError:
            raise CryptoError("not UTF-8") from None

"""WeCom callback crypto: the signature check and AES decryption, delegated to wechatpy."""

from __future__ import annotations

import hashlib
import hmac

from wechatpy.enterprise.crypto import WeChatCrypto


class CryptoError(Exception):
    """A callback that does not decrypt to a message for this corp (never a bad signature)."""


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    """WeCom's msg_signature: SHA-1 over the four strings sorted and joined."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


class CallbackCrypto:
    """Checks msg_signature in constant time, then lets wechatpy's WeChatCrypto decrypt."""

    def __init__(self, token: str, aes_key: str, corp_id: str) -> None:
        self._token = token
        self._crypto = WeChatCrypto(token, aes_key, corp_id)

    def signature_ok(self, given: str, timestamp: str, nonce: str, encrypted: str) -> bool:
        expected = signature(self._token, timestamp, nonce, encrypted)
        return hmac.compare_digest(expected.encode(), given.encode())

    def decrypt_echo(self, given: str, timestamp: str, nonce: str, echostr: str) -> str:
        """The plain echostr of a URL verification (signature already checked)."""
        try:
            return str(self._crypto.check_signature(given, timestamp, nonce, echostr))
        except Exception as err:  # wechatpy raises several unrelated types for bad input
            raise CryptoError(type(err).__name__) from None

    def decrypt(self, given: str, timestamp: str, nonce: str, encrypted: str) -> str:
        """The inner XML of a message (signature already checked)."""
        try:
            return str(
                self._crypto.decrypt_message({"Encrypt": encrypted}, given, timestamp, nonce)
            )
        except Exception as err:
            raise CryptoError(type(err).__name__) from None

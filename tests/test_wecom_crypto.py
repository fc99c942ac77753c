"""The callback crypto (bot/wecom/crypto.py) against wechatpy, kept as a test-only reference:
each side decrypts what the other encrypts, and bad input is only ever a CryptoError."""

from __future__ import annotations

import base64
import os
import re
import struct
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.wecom.crypto import CallbackCrypto, CryptoError, signature
from tests.fake_wecom import CORP_ID
from tests.wecom_support import AES_KEY, TOKEN

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ["bot", "handlers", "storage", "schedules", "domain", "locales", "insight"]
OURS = CallbackCrypto(TOKEN, AES_KEY, CORP_ID)
THEIRS = WeChatCrypto(TOKEN, AES_KEY, CORP_ID)
MESSAGES = st.text(max_size=3000)  # any Unicode, around and across the 32-byte blocks


def wechatpy_encrypt(message: str, corp_id: str = CORP_ID) -> tuple[str, str, str, str]:
    """(encrypted, signature, timestamp, nonce) as wechatpy writes a callback."""
    crypto = WeChatCrypto(TOKEN, AES_KEY, corp_id)
    xml = crypto.encrypt_message(message, "nonce42", "1700000000")
    fields = dict(re.findall(r"<(\w+)>(?:<!\[CDATA\[)?(.*?)(?:\]\]>)?</\1>", xml))
    return fields["Encrypt"], fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"]


def raw_cipher(plain: bytes) -> str:
    """AES-CBC with our key and IV but no padding of its own: to build broken texts."""
    key = base64.b64decode(AES_KEY + "=")
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def framed(
    message: bytes, receive_id: bytes = CORP_ID.encode(), length: int | None = None
) -> bytes:
    size = len(message) if length is None else length
    return os.urandom(16) + struct.pack(">I", size) + message + receive_id


@settings(max_examples=300, deadline=None)
@given(MESSAGES)
def test_wechatpy_decrypts_what_we_encrypt(message: str) -> None:
    encrypted = OURS.seal(message)
    nonce, timestamp = "n0nce", "1700000000"
    signed = OURS.sign(timestamp, nonce, encrypted)
    assert signed == signature(TOKEN, timestamp, nonce, encrypted)
    assert THEIRS.decrypt_message({"Encrypt": encrypted}, signed, timestamp, nonce) == message


@settings(max_examples=300, deadline=None)
@given(MESSAGES)
def test_we_decrypt_what_wechatpy_encrypts(message: str) -> None:
    encrypted, signed, timestamp, nonce = wechatpy_encrypt(message)
    assert OURS.signature_ok(signed, timestamp, nonce, encrypted)
    assert not OURS.signature_ok(signed, timestamp, nonce + "x", encrypted)
    assert OURS.decrypt(signed, timestamp, nonce, encrypted) == message


def test_url_verification_echostr_both_ways() -> None:
    echo = "1616140317555161061"
    encrypted, signed, timestamp, nonce = wechatpy_encrypt(echo)
    assert OURS.decrypt_echo(signed, timestamp, nonce, encrypted) == echo
    ours = OURS.seal(echo)
    assert THEIRS.check_signature(OURS.sign("1", "2", ours), "1", "2", ours) == echo


def test_tencent_sample_echostr() -> None:
    """Tencent's published WXBizMsgCrypt sample, independent of both implementations."""
    crypto = CallbackCrypto(
        "QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", "wx5823bf96d3bd56c7"
    )
    echostr = (
        "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
    )
    assert crypto.signature_ok(
        "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780", echostr
    )
    assert crypto.decrypt_echo("", "", "", echostr) == "1616140317555161061"


def test_another_corps_message_is_refused() -> None:
    encrypted, signed, timestamp, nonce = wechatpy_encrypt("<xml/>", corp_id="wwSomeOtherCorp")
    with pytest.raises(CryptoError, match="another corp"):
        OURS.decrypt(signed, timestamp, nonce, encrypted)
    # A corp id that merely starts like ours is not ours.
    with pytest.raises(CryptoError):
        OURS.open(wechatpy_encrypt("<xml/>", corp_id=CORP_ID + "0")[0])
    other = CallbackCrypto(TOKEN, AES_KEY, "wwSomeOtherCorp")
    with pytest.raises(CryptoError):
        other.open(OURS.seal("<xml/>"))


def pad(frame: bytes, value: int | None = None) -> bytes:
    """`frame` filled to whole 32-byte blocks with `value` (PKCS#7's own count by default)."""
    count = 32 - len(frame) % 32
    return frame + bytes([count if value is None else value]) * count


FRAME = framed(b"<xml/>")


@pytest.mark.parametrize(
    "plain",
    [
        pad(FRAME, 0),  # padding byte 0
        pad(FRAME, 33),  # more than one 32-byte block
        pad(FRAME)[:-1] + bytes([pad(FRAME)[-1] - 1]),  # the pad bytes disagree
        pad(FRAME)[:-32] + bytes([32]) * 32,  # a pad that cuts into the corp id
        pad(framed(b"<xml/>", length=4000)),  # length beyond the text
        pad(framed(b"\xff\xfe<xml/>")),  # not UTF-8
        os.urandom(8) + bytes([24]) * 24,  # shorter than random + length
    ],
    ids=["pad0", "pad33", "pad-mixed", "pad-eats-corp", "length", "utf8", "short"],
)
def test_broken_plaintexts_are_crypto_errors(plain: bytes) -> None:
    assert len(plain) % 32 == 0
    with pytest.raises(CryptoError):
        OURS.open(raw_cipher(plain))


@pytest.mark.parametrize(
    "encrypted",
    [
        "",
        "not base64 at all!",
        "密文",
        OURS.seal("<xml/>")[:-4],  # truncated base64
        base64.b64encode(base64.b64decode(OURS.seal("<xml/>"))[:-16]).decode(),  # half a block
        base64.b64encode(base64.b64decode(OURS.seal("<xml/>"))[:-32]).decode(),  # a block gone
        base64.b64encode(b"\x00" * 15).decode(),
    ],
    ids=["empty", "garbage", "non-ascii", "cut-b64", "cut-16", "cut-32", "tiny"],
)
def test_truncated_or_garbled_input_is_a_crypto_error(encrypted: str) -> None:
    with pytest.raises(CryptoError):
        OURS.open(encrypted)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=300), st.binary(max_size=300).map(lambda b: base64.b64encode(b).decode())
    )
)
def test_arbitrary_input_is_only_ever_a_crypto_error(encrypted: str) -> None:
    try:
        OURS.open(encrypted)
    except CryptoError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0), st.integers(min_value=0, max_value=7))
def test_a_flipped_bit_is_a_crypto_error_or_a_string(position: int, bit: int) -> None:
    data = bytearray(base64.b64decode(OURS.seal("<xml><Content>报送 2.1</Content></xml>")))
    data[position % len(data)] ^= 1 << bit
    try:
        assert isinstance(OURS.open(base64.b64encode(bytes(data)).decode()), str)
    except CryptoError:
        pass


def test_a_bad_encoding_aes_key_is_refused_at_start() -> None:
    for key in ["", AES_KEY[:-1], AES_KEY + "A", "!" * 43]:
        with pytest.raises(ValueError):
            CallbackCrypto(TOKEN, key, CORP_ID)


def test_the_product_never_imports_wechatpy() -> None:
    imports = re.compile(r"^\s*(from|import)\s+wechatpy\b|import_module\(.wechatpy", re.M)
    for path in [ROOT / "main.py", *(p for d in PRODUCT for p in (ROOT / d).rglob("*.py"))]:
        assert not imports.search(path.read_text(encoding="utf-8")), path
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not any("wechatpy" in d for d in project["dependencies"])
    assert any(d.startswith("wechatpy==") for d in project["optional-dependencies"]["dev"])
    # Every product module imports with wechatpy made unimportable.
    script = (
        "import importlib, pkgutil, sys\n"
        "sys.modules['wechatpy'] = None\n"
        f"for name in {PRODUCT!r}:\n"
        "    package = importlib.import_module(name)\n"
        "    for info in pkgutil.walk_packages(package.__path__, name + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "import main\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr

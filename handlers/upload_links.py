"""Signed one-time upload links: the token format, its HMAC, and the button that offers one."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import aiosqlite

from domain.messages import Choice
from handlers.context import Context
from storage import uploads

TOKEN_MAX = 400


@dataclass(frozen=True)
class LinkClaims:
    """What a link is bound to; the signature covers all of it."""

    link_id: int
    contact_id: int
    unit_id: int
    material_id: int | None  # None: a link for a plan notice (`/plan import`)
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), b"upload-link:" + payload, hashlib.sha256).digest()


def sign(secret: str, claims: LinkClaims) -> str:
    payload = json.dumps(
        [
            claims.link_id,
            claims.contact_id,
            claims.unit_id,
            claims.material_id,
            int(claims.expires_at.timestamp()),
        ],
        separators=(",", ":"),
    ).encode("ascii")
    return f"{_b64(payload)}.{_b64(_mac(secret, payload))}"


def verify(secret: str, token: str) -> LinkClaims | None:
    """The claims of a token signed with `secret`, or None for anything forged or malformed."""
    if len(token) > TOKEN_MAX or token.count(".") != 1:
        return None
    body, mac = token.split(".")
    try:
        payload = _unb64(body)
        given = _unb64(mac)
    except ValueError:
        return None
    if not hmac.compare_digest(given, _mac(secret, payload)):
        return None
    try:
        link_id, contact_id, unit_id, material_id, expires = json.loads(payload)
        return LinkClaims(
            int(link_id),
            int(contact_id),
            int(unit_id),
            None if material_id is None else int(material_id),
            datetime.fromtimestamp(int(expires), UTC),
        )
    except (ValueError, TypeError):
        return None


async def signing_secret(configured: str | None, db: aiosqlite.Connection) -> str:
    """BOT_UPLOAD_SECRET when set, else a key made once and kept in the store."""
    return configured or await uploads.signing_key(db)


def upload_choices(ctx: Context, code: str) -> list[list[Choice]]:
    """A "upload on a web page" button for a material, when the page is reachable."""
    if not ctx.app.settings.public_url:
        return []
    return [[Choice(ctx.t("upload.button"), f"/upload {code}")]]

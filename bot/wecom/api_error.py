"""WeCom's refusals, apart from the client so the set-up tasks can name them without loading
httpx (python main.py starts faster)."""

from __future__ import annotations


class WeComError(Exception):
    """A non-zero errcode (or a failed request, as -1); the message never holds a secret."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"wecom errcode {code}: {message}")
        self.code = code
        self.message = message


class InvalidUser(WeComError):
    """errcode 0, yet WeCom names the recipient as invalid (left, out of range, unlicensed)."""

    def __init__(self, users: str) -> None:
        super().__init__(0, f"invalid user {users}")
        self.users = users

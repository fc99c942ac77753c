"""`/progress`: progress as fits the person (the WeCom menu's 进度, one menu for everyone)."""

from __future__ import annotations

from domain.messages import Reply
from domain.model import Role
from handlers import status
from handlers.context import Context
from handlers.lookup import require_unit


async def progress(ctx: Context, args: str) -> Reply:
    """An admin's `/status` (every unit in scope); a reporter's own unit, material by material."""
    if ctx.role in (Role.UNIT_ADMIN, Role.PROVINCE_ADMIN):
        return await status.status(ctx, args)
    return await status.unit_status(ctx, require_unit(ctx).code)

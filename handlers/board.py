"""`/board [ITEM|UNIT]`: the progress board as a picture (挂旗), for the asker's scope."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from domain.messages import OutgoingFile, Reply
from handlers.context import Context
from handlers.errors import UserError
from handlers.insight_data import (
    Scope,
    collect,
    download_name,
    heavy,
    materials_named,
    output_path,
    scope_of,
)
from handlers.lookup import looks_like_code, require_plan, resolve_unit
from handlers.render import legend
from locales import Translator
from storage.models import Plan

if TYPE_CHECKING:
    from insight.board_png import BoardPicture

log = logging.getLogger(__name__)

# One row is 40 pixels: beyond this a picture stops being readable on a phone (or cheap).
MAX_UNITS = 400


class NoCJKFont(Exception):
    """No font on this machine draws Chinese."""


class TooManyUnits(Exception):
    def __init__(self, units: int) -> None:
        super().__init__(units)
        self.units = units


def draw(
    db_path: Path,
    plan: Plan,
    scope: Scope,
    now: datetime,
    due_soon_days: int,
    material_ids: set[int] | None,
    t: Translator,
    out: Path,
) -> BoardPicture:
    """Read the snapshot and draw the board (runs in a worker thread)."""
    # Loaded on first use: only admins draw boards.
    from insight import board_png
    from insight.fonts import FontMissing

    data = collect(db_path, plan, scope.path, now, due_soon_days, material_ids)
    if len(data.progress.units) > MAX_UNITS:
        raise TooManyUnits(len(data.progress.units))
    scores = {s.unit_id: s for s in data.scores}
    try:
        return board_png.render(data.progress, scores, t, plan.title, scope.label, out)
    except FontMissing as err:
        raise NoCJKFont() from err


async def board(ctx: Context, args: str) -> Reply:
    """`/board`: everyone in scope; `/board 2` or `/board 2.1`: one item or material; `/board 郑州`: one subtree."""
    plan = require_plan(ctx)
    scope = scope_of(ctx)
    word = args.strip()
    material_ids = None
    if word and looks_like_code(word):
        chosen = await materials_named(ctx, word)
        material_ids = {m.id for m in chosen} if chosen else None
    elif word:
        unit = await resolve_unit(ctx, word)
        scope = replace(scope, path=unit.path, label=unit.label, unit_id=unit.id)
    settings = ctx.app.settings
    out = output_path(settings, "board", ".png", ctx.now)
    try:
        picture = await heavy(
            draw,
            settings.db_path,
            plan,
            scope,
            ctx.now,
            settings.due_soon_days,
            material_ids,
            ctx.t,
            out,
        )
    except NoCJKFont as err:
        raise UserError("insight.font_missing") from err
    except TooManyUnits as err:
        raise UserError("insight.board_too_many", units=err.units, limit=MAX_UNITS) from err
    if picture.missing:
        log.warning("board font has no glyph for %s", "".join(sorted(picture.missing)))
    name = download_name(ctx.t, "board", scope, ctx.now, ".png")
    return Reply(
        ctx.t(
            "insight.board_done", scope=scope.label, at=ctx.t.moment(ctx.now), legend=legend(ctx.t)
        ),
        files=[OutgoingFile(str(out), name, "image/png")],
        private=True,
    )

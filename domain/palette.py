"""The one colour of each light: the chat's icon, the board's cell and the export's fill."""

from __future__ import annotations

from dataclasses import dataclass

from domain.model import Light


@dataclass(frozen=True)
class Colour:
    name: str  # what the colour is called: green, blue…
    icon: str  # the chat's round emoji
    solid: str  # the board's cell, "#rrggbb"
    tint: str  # the export's cell fill "RRGGBB": a paler tint of `solid`, so its text stays legible
    hatch: str | None = None  # diagonal lines over the cell, in this colour (not applicable)


PALETTE: dict[Light, Colour] = {
    Light.ACCEPTED: Colour("green", "🟢", "#2e9d5b", "C6EFCE"),
    Light.PENDING: Colour("blue", "🔵", "#3a7bd5", "CFE2F3"),
    # No emoji circle is grey: white is the nearest, and the legend says what it means.
    Light.NOT_DUE: Colour("grey", "⚪", "#c9cdd3", "E7E9EC"),
    Light.DUE_SOON: Colour("yellow", "🟡", "#f0a530", "FFE699"),
    Light.OVERDUE: Colour("red", "🔴", "#d64541", "F4B6B3"),
    Light.NOT_APPLICABLE: Colour("hatched", "➖", "#f1f2f4", "FFFFFF", hatch="#8d949c"),
}

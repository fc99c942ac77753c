"""Which files Telegram shows as photos (sendPhoto, albums) and which go as documents."""

from __future__ import annotations

import re
from pathlib import Path

from domain.messages import OutgoingFile
from domain.pictures import sniff

# sendPhoto's limits: 10 MB, width + height at most 10000, the long side at most 20 times the
# short one. Beyond them Telegram refuses the photo; such a picture goes as a document.
PHOTO_LIMIT = 10 * 1024 * 1024
SIDES_LIMIT = 10_000
RATIO_LIMIT = 20
ALBUM_MAX = 10  # sendMediaGroup takes 2 to 10 items
# Telegram's words when it refuses the picture itself (not the chat): send a document instead.
REFUSED_MEDIA = re.compile(r"photo|image|media|file|dimension", re.IGNORECASE)


def is_photo(content: bytes) -> bool:
    """A PNG or JPEG that Telegram accepts as a photo."""
    if len(content) > PHOTO_LIMIT:
        return False
    picture = sniff(content)
    if picture is None or not picture.width or not picture.height:
        return False
    short, long = sorted((picture.width, picture.height))
    return short + long <= SIDES_LIMIT and long <= RATIO_LIMIT * short


def photo_on_disk(file: OutgoingFile) -> bool:
    """`is_photo` of the file's bytes; a file too big to be a photo is not read. A file that
    cannot be read is no photo: sending it as a document reports the problem as before."""
    path = Path(file.path)
    try:
        if path.stat().st_size > PHOTO_LIMIT:
            return False
        return is_photo(path.read_bytes())
    except OSError:
        return False


def groups(photos: list[OutgoingFile]) -> list[list[OutgoingFile]]:
    """Albums of at most ten; a group of one is a single photo."""
    return [photos[i : i + ALBUM_MAX] for i in range(0, len(photos), ALBUM_MAX)]

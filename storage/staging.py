"""The files of one form, kept aside until the whole form is accepted.

A form is refused as a whole (one file too many, of a bad type or too big), so its earlier
files must not reach the content-addressed store: there they would share a place with
another report's file of the same content, and nothing could tell which to remove.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator

from storage import hops
from storage.files import FileStore
from storage.models import StoredFile


class StagedFiles:
    """Saves into a staging area of the store; `keep` moves them in, `drop` removes them."""

    def __init__(self, files: FileStore) -> None:
        self._files = files
        self._area = files.staging_area()
        self.saved: list[StoredFile] = []

    async def save(
        self, name: str | None, mime: str | None, chunks: AsyncIterator[bytes]
    ) -> StoredFile:
        """Like FileStore.save (the same rules), but nothing is in the store before `keep`."""
        stored = await self._area.save(name, mime, chunks)
        self.saved.append(stored)
        return stored

    async def keep(self) -> None:
        """Move every staged file to its place; content already there stays as it is."""
        await hops.in_thread(self._move_in)

    async def drop(self) -> None:
        """Remove everything staged: nothing of a refused form remains."""
        await hops.in_thread(shutil.rmtree, self._area.root, True)
        self.saved = []

    def _move_in(self) -> None:
        for stored in self.saved:
            if stored.content is not None:
                continue  # kept inline: it reaches the database with its report
            final = self._files.path_for(stored.sha256)
            if final.exists():
                continue
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self._area.path_for(stored.sha256), final)
        shutil.rmtree(self._area.root, ignore_errors=True)

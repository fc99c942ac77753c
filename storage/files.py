"""The attachment store: files streamed to disk by content hash, names sanitised."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath

import aiofiles
import aiofiles.os

from domain.file_names import extension, sanitize_name
from storage import blobs, hops
from storage.db import Store
from storage.models import StoredFile

INLINE_MAX = 64 * 1024  # kept in the database, in the report's own transaction, up to this
SMALL_FILE = 1024 * 1024  # gathered in memory and written in one go below this
STAGED = ".form"  # a staging area under tmp/: files kept aside until their form is accepted


class FileRejected(Exception):
    """A file the bureau does not take: `reason` is 'too_large', 'type' or 'empty'."""

    def __init__(self, reason: str, name: str, limit_mb: float = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.name = name
        self.limit_mb = limit_mb


@dataclass(frozen=True)
class FilePolicy:
    max_bytes: int
    allowed_extensions: frozenset[str]

    def check_name(self, name: str) -> None:
        if extension(name) not in self.allowed_extensions:
            raise FileRejected("type", name)

    def check_size(self, name: str, size: int | None) -> None:
        if size is not None and size > self.max_bytes:
            raise FileRejected("too_large", name, self.max_bytes / 1024 / 1024)


class FileStore:
    """Content-addressed files: small ones in the database, the rest under `root`.

    A file on disk is visible only once complete. A small file is not written anywhere by
    `save`: its bytes ride on the StoredFile until `blobs.record` puts them in the same
    transaction as the report or draft that carries them (one file created per report costs
    more than everything else a report does; see README, Performance).
    """

    def __init__(self, root: Path, policy: FilePolicy, store: Store) -> None:
        self.root = root
        self.policy = policy
        self.store = store
        self._tmp = root / "tmp"

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def relative(self, sha256: str) -> str:
        return str(PurePosixPath(sha256[:2], sha256[2:4], sha256))

    async def save(
        self,
        name: str | None,
        mime: str | None,
        chunks: AsyncIterator[bytes],
        size_hint: int | None = None,
    ) -> StoredFile:
        """Store a file's chunks; raises FileRejected (nothing left behind) if not allowed.

        Up to INLINE_MAX the bytes come back on the StoredFile for the database; up to
        SMALL_FILE they are written in one trip to a worker thread; a larger file is streamed
        to disk with aiofiles as it arrives, never held whole.
        """
        await hops.to_loop()  # the chunks come from the network
        clean = sanitize_name(name, fallback=_fallback_name(mime))
        self.policy.check_name(clean)
        self.policy.check_size(clean, size_hint)
        source = aiter(chunks)
        head = bytearray()
        while len(head) <= SMALL_FILE:
            try:
                head += await anext(source)
            except StopAsyncIteration:
                break
            self._check_total(clean, len(head))
        else:
            sha, size = await self._stream(clean, bytes(head), source)
            return StoredFile(sha256=sha, name=clean, mime=_mime(mime, clean), size=size)
        if not head:
            raise FileRejected("empty", clean)
        data = bytes(head)
        sha = hashlib.sha256(data).hexdigest()
        inline = data if len(data) <= INLINE_MAX else None
        if inline is None:
            await hops.in_thread(self._write_whole, data, sha)
        return StoredFile(
            sha256=sha, name=clean, mime=_mime(mime, clean), size=len(data), content=inline
        )

    def reader(self, stored: StoredFile) -> Callable[[], AsyncIterator[bytes]]:
        """Read a file again: from the bytes it carries if just saved, else from where it is kept."""
        if stored.content is not None:
            return partial(_once, stored.content)
        return partial(self.chunks, stored.sha256)

    async def chunks(self, sha256: str) -> AsyncIterator[bytes]:
        inline = await self._inline(sha256)
        if inline is not None:
            yield inline
            return
        async for chunk in read_path(self.path_for(sha256)):
            yield chunk

    async def local_path(self, sha256: str) -> Path | None:
        """A path to hand to a channel: a small file is copied out to its place under `root`."""
        path = self.path_for(sha256)
        if path.is_file():
            return path
        inline = await self._inline(sha256)
        if inline is None:
            return None
        await hops.in_thread(self._write_whole, inline, sha256)
        return path

    async def _inline(self, sha256: str) -> bytes | None:
        async with self.store.read() as db:
            return await blobs.content(db, sha256)

    def _check_total(self, name: str, size: int) -> None:
        if size > self.policy.max_bytes:
            raise FileRejected("too_large", name, self.policy.max_bytes / 1024 / 1024)

    def _write_whole(self, data: bytes, sha: str) -> None:
        final = self.path_for(sha)
        if final.exists():
            return  # the same content is stored once
        self._tmp.mkdir(parents=True, exist_ok=True)
        tmp = self._tmp / f"{secrets.token_hex(8)}.part"
        try:
            with open(tmp, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)

    async def _stream(self, name: str, head: bytes, rest: AsyncIterator[bytes]) -> tuple[str, int]:
        await hops.to_loop()
        await aiofiles.os.makedirs(self._tmp, exist_ok=True)
        tmp = self._tmp / f"{secrets.token_hex(8)}.part"
        digest = hashlib.sha256(head)
        size = len(head)
        try:
            async with aiofiles.open(tmp, "wb") as out:
                await out.write(head)
                async for chunk in rest:
                    size += len(chunk)
                    self._check_total(name, size)
                    digest.update(chunk)
                    await out.write(chunk)
                await out.flush()
                await hops.in_thread(os.fsync, out.fileno())
            sha = digest.hexdigest()
            final = self.path_for(sha)
            await aiofiles.os.makedirs(final.parent, exist_ok=True)
            await aiofiles.os.replace(tmp, final)
        except BaseException:
            if await aiofiles.os.path.exists(tmp):
                await aiofiles.os.remove(tmp)
            raise
        return sha, size

    def staging_area(self) -> FileStore:
        """A store of its own under tmp/, for files not yet accepted (see storage/staging.py)."""
        return FileStore(self._tmp / f"{secrets.token_hex(8)}{STAGED}", self.policy, self.store)

    async def clean_partial(self) -> int:
        """Remove files left half-written, or staged for a form, by a crash; returns how many."""
        if not self._tmp.exists():
            return 0
        removed = 0
        for leftover in self._tmp.glob("*.part"):
            leftover.unlink(missing_ok=True)
            removed += 1
        for area in self._tmp.glob(f"*{STAGED}"):
            await hops.in_thread(shutil.rmtree, area, True)
            removed += 1
        return removed


async def _once(content: bytes) -> AsyncIterator[bytes]:
    yield content


async def read_path(path: Path, chunk_size: int = 256 * 1024) -> AsyncIterator[bytes]:
    await hops.to_loop()
    async with aiofiles.open(path, "rb") as src:
        while chunk := await src.read(chunk_size):
            yield chunk


def _mime(mime: str | None, name: str) -> str | None:
    return mime or mimetypes.guess_type(name)[0]


def _fallback_name(mime: str | None) -> str:
    ext = mimetypes.guess_extension(mime or "") or ""
    return f"file{ext}"

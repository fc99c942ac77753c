"""The upload page's routes: GET shows the form for a valid link, POST receives the files."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from bot.upload import html
from bot.upload.plan import import_notice, read_notice
from bot.upload.receive import BadUpload, hand_in, read_form
from handlers.context import Services
from handlers.plan_recent import PLAN_SUFFIXES
from handlers.upload_access import LinkCheck, LinkTarget, PlanTarget, check
from locales import Translator, normalize
from storage import uploads
from storage.files import FileRejected
from storage.staging import StagedFiles

log = logging.getLogger(__name__)

STATUS = {"invalid": 404, "used": 410, "expired": 410}
FORM_OVERHEAD = 1024 * 1024  # multipart headers and the note, beyond the files themselves


class UploadPage:
    def __init__(self, services: Services) -> None:
        self.services = services

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/upload/{token}", self.show), web.post("/upload/{token}", self.submit)]

    def _translator(self, request: web.Request, found: LinkCheck) -> Translator:
        """?lang= (a choice made on this page) first, then the one rule. The browser stands
        in for the platform's language only for a link nobody owns: a contact's phone browser
        says nothing about the language they chose to read the bot in."""
        browser = request.headers.get("Accept-Language", "").split(",")[0]
        asked = normalize(request.query.get("lang"))
        platform = browser if found.contact is None else None
        return self.services.translator_for(found.contact, platform, chosen=asked)

    def _respond(self, text: str, status: int = 200, nonce: str | None = None) -> web.Response:
        script = f"'nonce-{nonce}'" if nonce else "'none'"
        return web.Response(
            text=text,
            status=status,
            content_type="text/html",
            headers={
                "Cache-Control": "no-store",
                # The URL is the credential: never pass it on as a referrer.
                "Referrer-Policy": "no-referrer",
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": (
                    f"default-src 'none'; style-src 'unsafe-inline'; script-src {script};"
                    " form-action 'self'; connect-src 'self'; frame-ancestors 'none'"
                ),
            },
        )

    def _refusal(self, t: Translator, state: str, purpose: str = "report") -> web.Response:
        # A plan link's way to a new one is /plan import, not /upload CODE.
        area = "plan_page" if purpose == uploads.PLAN and state != "invalid" else "upload"
        page = html.message_page(
            t, t(f"upload.state_{state}"), [t(f"{area}.state_{state}_hint")], good=False
        )
        return self._respond(page, STATUS[state])

    async def _open(
        self, request: web.Request, now: datetime
    ) -> tuple[Translator, LinkTarget | PlanTarget | web.Response]:
        """The link's target if it may take files now, else the page that says why not."""
        found = await check(self.services, request.match_info["token"], now)
        t = self._translator(request, found)
        if found.target is None:
            return t, self._refusal(t, found.state, found.purpose)
        target = found.target
        if isinstance(target, PlanTarget):
            return t, target
        if not target.reportable and not target.joins_draft:
            page = html.message_page(t, t("upload.not_open", code=target.material.code), [], False)
            return t, self._respond(page, 409)
        return t, target

    async def show(self, request: web.Request) -> web.Response:
        t, target = await self._open(request, self.services.clock.now())
        if isinstance(target, web.Response):
            return target
        settings = self.services.settings
        nonce = secrets.token_urlsafe(12)
        if isinstance(target, PlanTarget):
            return self._respond(self._plan_form(t, target, nonce), nonce=nonce)
        page = html.form_page(
            t,
            nonce=nonce,
            code=target.material.code,
            title=target.material.title,
            unit=target.unit.name,
            expires=t.moment(target.link.expires_at),
            limit_mb=f"{settings.max_attachment_mb:g}",
            max_bytes=settings.max_attachment_bytes,
            max_files=settings.upload_max_files,
            joins_draft=target.joins_draft,
            other_lang="en" if t.locale == "zh_CN" else "zh",
        )
        return self._respond(page, nonce=nonce)

    async def submit(self, request: web.Request) -> web.Response:
        now = self.services.clock.now()
        t, target = await self._open(request, now)
        if isinstance(target, web.Response):
            return target
        if isinstance(target, PlanTarget):
            return await self._submit_plan(request, t, target, now)
        settings = self.services.settings
        most = settings.upload_max_files * settings.max_attachment_bytes + FORM_OVERHEAD
        if request.content_length is not None and request.content_length > most:
            limit = f"{settings.max_attachment_mb:g}"
            reason = t("upload.page_limits", limit=limit, count=settings.upload_max_files)
            return self._respond(html.message_page(t, t("upload.refused"), [reason], False), 413)
        async with self.services.store.write() as db:
            claimed = await uploads.claim(db, target.link.id, now)
        if not claimed:
            return self._refusal(t, "used")
        staged = StagedFiles(self.services.files)
        try:
            stored, note = await read_form(
                await request.multipart(), staged, settings.upload_max_files
            )
            await staged.keep()
        except (FileRejected, BadUpload, ValueError, AssertionError, HttpProcessingError) as err:
            # A malformed part (a NUL in a header, a header line too long) is the sender's
            # mistake like a bad file: the page's own answer, and the form leaves nothing.
            await self._give_back(target, staged)
            return self._respond(
                html.message_page(t, t("upload.refused"), [self._reason(t, err)], False), 400
            )
        except BaseException:
            await self._give_back(target, staged)
            raise
        replies = await hand_in(self.services, target, stored, note)
        lines = [t("upload.received", count=len(stored))] + [r.text for r in replies]
        log.info("upload link %d: %d file(s) handed in", target.link.id, len(stored))
        return self._respond(html.message_page(t, t("upload.done"), lines, True))

    def _plan_form(self, t: Translator, target: PlanTarget, nonce: str) -> str:
        settings = self.services.settings
        return html.plan_form_page(
            t,
            nonce=nonce,
            unit=target.unit.name,
            expires=t.moment(target.link.expires_at),
            limit_mb=f"{settings.max_attachment_mb:g}",
            max_bytes=settings.max_attachment_bytes,
            accept=",".join(sorted(PLAN_SUFFIXES)),
            other_lang="en" if t.locale == "zh_CN" else "zh",
        )

    async def _submit_plan(
        self, request: web.Request, t: Translator, target: PlanTarget, now: datetime
    ) -> web.Response:
        """One notice, imported as `/plan import` with it: the preview goes to the chat, the
        page says so; a file that cannot be imported is answered here and the link kept."""
        settings = self.services.settings
        limit = settings.max_attachment_bytes
        title = "plan_page.title"
        if request.content_length is not None and request.content_length > limit + FORM_OVERHEAD:
            reason = t("plan_page.limits", limit=f"{settings.max_attachment_mb:g}")
            page = html.message_page(t, t("upload.refused"), [reason], False, title)
            return self._respond(page, 413)
        async with self.services.store.write() as db:
            claimed = await uploads.claim(db, target.link.id, now)
        if not claimed:
            return self._refusal(t, "used", uploads.PLAN)
        try:
            notice = await read_notice(await request.multipart(), limit)
        except (FileRejected, BadUpload, ValueError, AssertionError, HttpProcessingError) as err:
            await self._release(target.link.id)
            page = html.message_page(t, t("upload.refused"), [self._reason(t, err)], False, title)
            return self._respond(page, 400)
        except BaseException:
            await self._release(target.link.id)
            raise
        try:
            replies = await import_notice(self.services, target, notice)
        except BaseException:
            await self._release(target.link.id)
            raise
        if any(reply.is_error for reply in replies):
            await self._release(target.link.id)
            lines = [line for reply in replies for line in reply.text.splitlines()]
            lines.append(t("plan_page.again"))
            page = html.message_page(t, t("plan_page.not_imported"), lines, False, title)
            return self._respond(page, 422)
        log.info("upload link %d: a plan notice imported", target.link.id)
        lines = [t("plan_page.sent_to_chat", name=notice.name)]
        return self._respond(html.message_page(t, t("upload.done"), lines, True, title))

    async def _release(self, link_id: int) -> None:
        async with self.services.store.write() as db:
            await uploads.release(db, link_id)

    async def _give_back(self, target: LinkTarget, staged: StagedFiles) -> None:
        """A refused or broken form: its files are removed and the link may be used again."""
        await staged.drop()
        await self._release(target.link.id)

    @staticmethod
    def _reason(t: Translator, err: Exception) -> str:
        if isinstance(err, FileRejected):
            return t(f"file.{err.reason}", name=err.name[:60], limit=f"{err.limit_mb:g}")
        if isinstance(err, BadUpload):
            return t(err.key, **err.params)
        return t("upload.bad_form")

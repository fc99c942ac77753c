"""Settings: the one object built from the environment and an optional `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _split_list(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Field(default=Path("data"), alias="BOT_DATA_DIR")
    timezone: str = Field(default="Asia/Shanghai", alias="BOT_TIMEZONE")
    locale: str = Field(default="zh_CN", alias="BOT_LOCALE")
    admins: Annotated[list[str], NoDecode] = Field(default_factory=list, alias="BOT_ADMINS")
    max_attachment_mb: float = Field(default=50.0, alias="BOT_MAX_ATTACHMENT_MB")
    allowed_types: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: [
            "pdf",
            "doc",
            "docx",
            "xls",
            "xlsx",
            "ppt",
            "pptx",
            "wps",
            "et",
            "txt",
            "csv",
            "jpg",
            "jpeg",
            "png",
            "gif",
            "webp",
            "heic",
            "bmp",
            "mp4",
            "mov",
            "avi",
            "mkv",
            "3gp",
            "m4v",
            "mp3",
            "m4a",
            "amr",
            "ogg",
            "oga",
            "wav",
            "aac",
            "silk",
            "zip",
            "rar",
            "7z",
            "ofd",
        ],
        alias="BOT_ALLOWED_TYPES",
    )
    due_soon_days: int = Field(default=3, alias="BOT_DUE_SOON_DAYS")
    invite_ttl_hours: int = Field(default=168, alias="BOT_INVITE_TTL_HOURS")
    sample_plan: Path = Field(
        default=Path(__file__).resolve().parent.parent / "plans" / "henan-2016.yaml",
        alias="BOT_SAMPLE_PLAN",
    )
    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")

    @field_validator("admins", "allowed_types", mode="before")
    @classmethod
    def _lists(cls, value: object) -> object:
        return _split_list(value)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        ZoneInfo(value)  # fails fast, naming the key, on an unknown zone
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "bot.sqlite3"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def max_attachment_bytes(self) -> int:
        return int(self.max_attachment_mb * 1024 * 1024)

"""Settings: the one object built from the environment and an optional `.env`."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _split_list(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    return value


BUNDLED_SAMPLE = Path(__file__).resolve().parent.parent / "plans" / "henan-2016.yaml"
_ON = frozenset({"1", "true", "yes", "on"})
_OFF = frozenset({"", "0", "false", "no", "off"})


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
    # How long a question (the reason for /refuse or /return) waits for its answer.
    prompt_minutes: int = Field(default=10, ge=1, alias="BOT_PROMPT_MINUTES")
    # The longest leave `/away` accepts, in days (first and last day included).
    max_away_days: int = Field(default=30, ge=1, alias="BOT_MAX_AWAY_DAYS")
    # Unset: only the shell demo loads the bundled sample (into an empty store). Set (`1`: the
    # bundled sample; a path: that plan file), the channels load it into an empty store too.
    sample_plan: Path | None = Field(default=None, alias="BOT_SAMPLE_PLAN")
    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_bot_username: str | None = Field(default=None, alias="TELEGRAM_BOT_USERNAME")
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL"
    )
    telegram_file_base_url: str | None = Field(default=None, alias="TELEGRAM_FILE_BASE_URL")
    telegram_local_mode: bool = Field(default=False, alias="TELEGRAM_LOCAL_MODE")
    telegram_webhook_url: str | None = Field(default=None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_listen: str = Field(default="127.0.0.1", alias="TELEGRAM_WEBHOOK_LISTEN")
    telegram_webhook_port: int = Field(default=8443, alias="TELEGRAM_WEBHOOK_PORT")
    telegram_webhook_secret: SecretStr | None = Field(default=None, alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_read_timeout: float = Field(default=30.0, alias="TELEGRAM_READ_TIMEOUT")
    # Sends a second across all chats: Telegram allows ~30, more with paid broadcasts enabled.
    telegram_messages_per_second: float = Field(
        default=30.0, gt=0, le=1000, alias="TELEGRAM_MESSAGES_PER_SECOND"
    )

    # WeCom (企业微信) self-built app, and the HTTP server its callback shares with the upload page.
    wecom_corp_id: str | None = Field(default=None, alias="WECOM_CORP_ID")
    wecom_agent_id: int | None = Field(default=None, alias="WECOM_AGENT_ID")
    wecom_secret: SecretStr | None = Field(default=None, alias="WECOM_SECRET")
    wecom_token: SecretStr | None = Field(default=None, alias="WECOM_TOKEN")
    wecom_aes_key: SecretStr | None = Field(default=None, alias="WECOM_AES_KEY")
    wecom_api_base_url: str = Field(
        default="https://qyapi.weixin.qq.com", alias="WECOM_API_BASE_URL"
    )
    wecom_report_window_seconds: float = Field(default=8.0, alias="WECOM_REPORT_WINDOW_SECONDS")
    # A report draft (on any channel) closes after this long without a new file or step.
    wecom_report_draft_minutes: int = Field(
        default=30, ge=1, le=24 * 60, alias="WECOM_REPORT_DRAFT_MINUTES"
    )
    # Wider accepts a wrong server clock but also older replayed callbacks: fix the clock first.
    wecom_callback_skew_seconds: int = Field(
        default=300, gt=0, le=86400, alias="WECOM_CALLBACK_SKEW_SECONDS"
    )
    wecom_appchat_ids: Annotated[list[str], NoDecode] = Field(
        default_factory=list, alias="WECOM_APPCHAT_IDS"
    )
    # 1: texts, pictures and files to members go as 保密消息 (safe: 1, watermarked, no forwarding).
    wecom_safe: bool = Field(default=False, alias="WECOM_SAFE")
    http_host: str = Field(default="127.0.0.1", alias="BOT_HTTP_HOST")
    http_port: int = Field(default=8080, alias="BOT_HTTP_PORT")
    public_url: str | None = Field(default=None, alias="BOT_PUBLIC_URL")
    upload_secret: SecretStr | None = Field(default=None, alias="BOT_UPLOAD_SECRET")
    upload_link_hours: int = Field(default=24, alias="BOT_UPLOAD_LINK_HOURS")
    upload_max_files: int = Field(default=10, alias="BOT_UPLOAD_MAX_FILES")
    # Daily backups by the running bot (schedules/backups.py): where, how many kept, when
    # (HH:MM in BOT_TIMEZONE). Unset folder: no scheduled backups (doctor warns).
    backup_dir: Path | None = Field(default=None, alias="BOT_BACKUP_DIR")
    backup_keep: int = Field(default=14, ge=1, alias="BOT_BACKUP_KEEP")
    backup_at: str = Field(default="02:30", alias="BOT_BACKUP_AT")
    # Litestream replication (`replicate`, `restore --from-replica`): a folder, or an
    # s3:// URL (credentials from the standard AWS_* variables). One of the two.
    replica_dir: Path | None = Field(default=None, alias="BOT_REPLICA_DIR")
    replica_url: str | None = Field(default=None, alias="BOT_REPLICA_URL")
    # /readyz fails once a push that is due has waited longer than this (a stalled sender).
    ready_push_age_minutes: int = Field(default=15, ge=1, alias="BOT_READY_PUSH_AGE_MINUTES")

    @field_validator("wecom_aes_key")
    @classmethod
    def _aes_key_length(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) != 43:
            raise ValueError("WECOM_AES_KEY (EncodingAESKey) must be exactly 43 characters")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("BOT_PUBLIC_URL must start with https:// (or http:// for tests)")
        return value.rstrip("/") if value else None

    @field_validator("wecom_appchat_ids", mode="before")
    @classmethod
    def _appchats(cls, value: object) -> object:
        return _split_list(value)

    @property
    def wecom_configured(self) -> bool:
        return None not in (
            self.wecom_corp_id,
            self.wecom_agent_id,
            self.wecom_secret,
            self.wecom_token,
            self.wecom_aes_key,
        )

    @field_validator("admins", "allowed_types", mode="before")
    @classmethod
    def _lists(cls, value: object) -> object:
        return _split_list(value)

    @field_validator("sample_plan", mode="before")
    @classmethod
    def _sample_plan(cls, value: object) -> object:
        if isinstance(value, str):
            word = value.strip().lower()
            if word in _OFF:
                return None
            if word in _ON:
                return BUNDLED_SAMPLE
            if not Path(value).is_file():
                raise ValueError(f"BOT_SAMPLE_PLAN names no plan file: {value}")
        return value

    @field_validator("backup_dir", "replica_dir", "replica_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("backup_at")
    @classmethod
    def _backup_at(cls, value: str) -> str:
        try:
            at = datetime.strptime(value.strip(), "%H:%M")
        except ValueError:
            raise ValueError("BOT_BACKUP_AT must be a time of day HH:MM, e.g. 02:30") from None
        return f"{at:%H:%M}"

    @property
    def backup_time(self) -> time:
        return datetime.strptime(self.backup_at, "%H:%M").time()

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

    @property
    def http_port_set(self) -> bool:
        """BOT_HTTP_PORT given: the HTTP server (health, metrics) runs even for Telegram alone."""
        return "http_port" in self.model_fields_set

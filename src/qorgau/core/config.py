"""Settings from environment variables prefixed QORGAU_ (see the README's configuration table)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QORGAU_", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Folder for the SQLite file, keys and uploads.")
    database_url: str = Field(default="", description="SQLAlchemy URL; default sqlite:///<data_dir>/qorgau.db")
    secret_key: str = Field(default="", description="Signs sessions; generated into <data_dir> if unset.")
    data_key: str = Field(default="", description="Encrypts reports at rest; generated into <data_dir>/keys.")
    secure_cookies: bool | None = Field(default=None, description="Force the Secure cookie flag; default: on behind TLS.")
    default_locale: str = "ru"
    session_hours: int = 12
    login_max_failures: int = 5
    login_window_minutes: int = 15
    login_lockout_minutes: int = 15
    upload_max_bytes: int = 25 * 1024 * 1024
    db_pool_size: int = Field(default=40, description="Database connections per process: one per worker thread "
                                                       "(the threadpool runs 40), so no request waits on the pool.")
    smtp_url: str = Field(default="", description="smtp://user:pass@host:port for e-mail notifications.")
    speaks_ack_days: int = Field(default=7, description="Days for the union to acknowledge a worker's report.")
    speaks_feedback_days: int = Field(default=90, description="Days for the union to give feedback on a report.")
    speaks_receipt_failures_per_minute: int = Field(default=30, description="Failed receipt look-ups allowed per minute, platform-wide.")
    deviations_due_days: str = Field(default="gross=3,significant=14,minor=30",
                                     description="Days to fix a violation's corrective actions, by severity.")
    deviations_immediate_days: int = Field(default=1, description="Days for an immediate action.")
    deviations_reminder_days: int = Field(default=2, description="Days before the due date the responsible side is reminded.")
    deviations_ladder: str = Field(default="safety_manager=0,management=7,sectoral_union=14,state_inspectorate=30",
                                   description="Escalation ladder: step=days overdue, in order.")
    deviations_repeat_days: int = Field(default=365, description="Window for flagging repeat violations (same zone and category).")
    notify_webhook_url: str = Field(default="", description="Webhook for urgent notifications.")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'qorgau.db').as_posix()}"

    def _kept_secret(self, value: str, filename: str) -> str:
        """Use the configured secret, else the one kept in data_dir, else make and keep one."""
        if value:
            return value
        path = self.data_dir / filename
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        generated = secrets.token_urlsafe(48)
        path.write_text(generated)
        path.chmod(0o600)
        return generated

    def resolved_secret_key(self) -> str:
        return self._kept_secret(self.secret_key, "secret_key")

    def resolved_data_key(self) -> str:
        return self._kept_secret(self.data_key, "keys/data_key")


@lru_cache
def get_settings() -> Settings:
    return Settings()

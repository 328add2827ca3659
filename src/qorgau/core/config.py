"""Settings from environment variables prefixed QORGAU_ (see the README's configuration table)."""

from __future__ import annotations

import hashlib
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
    audit_key: str = Field(default="", description="Keys the audit chain (HMAC); generated into <data_dir>/keys.")
    audit_checkpoint_path: str = Field(default="", description="File the signed audit checkpoints are appended to; "
                                       "default <data_dir>/audit/checkpoints.jsonl. Keep it off the database host.")
    audit_checkpoint_webhook: str = Field(default="", description="Also POST each audit checkpoint here.")
    audit_checkpoint_seconds: int = Field(default=300, description="At most one checkpoint per this many seconds "
                                          "after commits (and on `qorgau audit checkpoint`).")
    secure_cookies: bool | None = Field(default=None, description="Force the Secure cookie flag; default: on behind TLS.")
    default_locale: str = "ru"
    session_hours: int = 12
    login_max_failures: int = 5
    login_window_minutes: int = 15
    login_lockout_minutes: int = 15
    login_failure_keep_days: int = Field(default=30, description="Failed sign-ins older than this are deleted.")
    upload_max_bytes: int = 25 * 1024 * 1024
    db_pool_size: int = Field(default=40, description="Database connections per process: one per worker thread "
                                                       "(the threadpool runs 40), so no request waits on the pool.")
    smtp_url: str = Field(default="", description="smtp://user:pass@host:port for e-mail notifications.")
    public_url: str = Field(default="", description="Address of the platform as people reach it (e.g. "
                            "https://qorgau.example.kz), for links in e-mail and SMS.")
    mail_from: str = Field(default="", description="Sender address of e-mail notifications "
                           "(default: the SMTP user name, else qorgau@localhost).")
    sms_gateway_url: str = Field(default="", description="HTTP gateway for SMS notifications: POST JSON "
                                 "{\"to\": phone, \"text\": message}.")
    telegram_token: str = Field(default="", description="Token of the Telegram bot (from @BotFather): the Worker "
                                "Speaks bot and alerts to linked accounts.")
    telegram_api: str = Field(default="", description="Another Bot API server (a self-hosted one); default Telegram's.")
    sms_gateway_token: str = Field(default="", description="Bearer token sent to the SMS gateway.")
    speaks_ack_days: int = Field(default=7, description="Days for the union to acknowledge a worker's report.")
    speaks_feedback_days: int = Field(default=90, description="Days for the union to give feedback on a report.")
    speaks_receipt_free_failures: int = Field(default=20, description="Wrong receipt codes a day per four-digit prefix "
                                              "before that prefix's look-ups need a proof of work.")
    speaks_receipt_pow_bits: int = Field(default=18, description="Proof-of-work difficulty (leading zero bits of SHA-256).")
    speaks_receipt_wait_seconds: int = Field(default=20, description="Wait asked of a browser without JavaScript instead "
                                             "of the proof of work.")
    deviations_due_days: str = Field(default="gross=3,significant=14,minor=30",
                                     description="Days to fix a violation's corrective actions, by severity.")
    deviations_immediate_days: int = Field(default=1, description="Days for an immediate action.")
    deviations_reminder_days: int = Field(default=2, description="Days before the due date the responsible side is reminded.")
    deviations_ladder: str = Field(default="safety_manager=0,management=7,sectoral_union=14,state_inspectorate=30",
                                   description="Escalation ladder: step=days overdue, in order.")
    deviations_repeat_days: int = Field(default=365, description="Window for flagging repeat violations (same zone and category).")
    notify_webhook_url: str = Field(default="", description="Webhook for urgent notifications.")
    # Operations: background jobs, backups, metrics, logs (docs/operations.md).
    jobs_url: str = Field(default="", description="redis://host:port/db for the job queue; default: SQLite in <data_dir>.")
    backup_dir: str = Field(default="", description="Where scheduled backups go; default <data_dir>/backups.")
    backup_keep: int = Field(default=14, description="Scheduled backups kept (older ones are deleted).")
    backup_max_age_hours: int = Field(default=26, description="Alert when the last good backup is older.")
    metrics_token: str = Field(default="", description="Bearer token for /metrics; the endpoint is off without it.")
    log_format: str = Field(default="text", description="text or json (structured logs with request ids).")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'qorgau.db').as_posix()}"

    def resolved_backup_dir(self) -> Path:
        return Path(self.backup_dir) if self.backup_dir else self.data_dir / "backups"

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

    def previous_data_keys(self) -> list[str]:
        """Keys being rotated out: still read until `qorgau keys rotate-data-key` has rewritten everything."""
        folder = self.data_dir / "keys" / "previous"
        return [p.read_text().strip() for p in sorted(folder.glob("*.key"))] if folder.is_dir() else []

    def resolved_audit_key(self) -> str:
        return self._kept_secret(self.audit_key, "keys/audit_key")

    def previous_audit_keys(self) -> list[str]:
        """Audit keys of earlier periods, kept to verify the entries they keyed."""
        folder = self.data_dir / "keys" / "audit_previous"
        return [p.read_text().strip() for p in sorted(folder.glob("*.key"))] if folder.is_dir() else []

    def resolved_receipt_pepper(self) -> str:
        """Salts receipt digests; kept apart from the session secret so that secret can rotate."""
        path = self.data_dir / "keys" / "receipt_pepper"
        if path.exists():
            return path.read_text().strip()
        # Made once from the session secret, as the digests written before this file existed were.
        derived = hashlib.sha256(("receipt:" + self.resolved_secret_key()).encode()).hexdigest()
        return _keep(path, derived)

    def audit_checkpoint_file(self) -> Path:
        return Path(self.audit_checkpoint_path) if self.audit_checkpoint_path else \
            self.data_dir / "audit" / "checkpoints.jsonl"


def _keep(path: Path, value: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value)
    path.chmod(0o600)
    return value


@lru_cache
def get_settings() -> Settings:
    return Settings()

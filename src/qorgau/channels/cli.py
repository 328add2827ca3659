"""`qorgau channels telegram`: run the Worker Speaks bot."""

from __future__ import annotations

import typer

app = typer.Typer(help="Channels beyond the browser: the messenger bot.", no_args_is_help=True)


@app.command("telegram")
def telegram(token: str = typer.Option(..., envvar="QORGAU_TELEGRAM_TOKEN", help="The bot's token from @BotFather"),
             api_base: str = typer.Option("", envvar="QORGAU_TELEGRAM_API",
                                          help="Another Bot API server (e.g. a local one); default Telegram's"),
             ) -> None:
    """Serve Worker Speaks in Telegram by long polling (keep one running, e.g. under systemd)."""
    from qorgau.channels.telegram_bot import build, quiet_library_logs
    from qorgau.core.config import get_settings

    settings = get_settings()
    quiet_library_logs()
    application = build(token, settings.resolved_database_url(), api_base=api_base, web_url=settings.public_url)
    typer.echo("Worker Speaks bot: polling Telegram (Ctrl+C stops).")
    application.run_polling(allowed_updates=["message", "callback_query"])

"""`qorgau channels telegram`: run the Worker Speaks bot."""

from __future__ import annotations

import typer

app = typer.Typer(help="Channels beyond the browser: the messenger bot.", no_args_is_help=True)


@app.command("telegram")
def telegram() -> None:
    """Serve Worker Speaks and account linking in Telegram by long polling (keep one running, e.g. under
    systemd). The token comes from QORGAU_TELEGRAM_TOKEN, another Bot API server from QORGAU_TELEGRAM_API."""
    from qorgau.channels.telegram_bot import build, quiet_library_logs
    from qorgau.core.config import get_settings

    settings = get_settings()
    if not settings.telegram_token:
        typer.echo("Set QORGAU_TELEGRAM_TOKEN to the bot's token from @BotFather.", err=True)
        raise typer.Exit(2)
    quiet_library_logs()
    application = build(settings.telegram_token, settings.resolved_database_url(), api_base=settings.telegram_api,
                        web_url=settings.public_url)
    typer.echo("Worker Speaks bot: polling Telegram (Ctrl+C stops).")
    application.run_polling(allowed_updates=["message", "callback_query"])

"""`qorgau channels telegram`: run the Worker Speaks bot."""

from __future__ import annotations

import typer

app = typer.Typer(help="Channels beyond the browser: the messenger bot.", no_args_is_help=True)


@app.command("telegram")
def telegram(webhook_url: str = typer.Option("", help="Receive updates by webhook at this public https address "
                                                       "(default: long polling, no incoming port needed)"),
             listen: str = typer.Option("127.0.0.1", help="Webhook: address to listen on (behind the proxy)"),
             port: int = typer.Option(8443, help="Webhook: port to listen on")) -> None:
    """Serve Worker Speaks and account linking in Telegram (keep one running, e.g. under systemd).

    The token comes from QORGAU_TELEGRAM_TOKEN, another Bot API server from QORGAU_TELEGRAM_API."""
    from qorgau.channels.telegram_bot import build, quiet_library_logs, webhook_options
    from qorgau.core.config import get_settings

    settings = get_settings()
    if not settings.telegram_token:
        typer.echo("Set QORGAU_TELEGRAM_TOKEN to the bot's token from @BotFather.", err=True)
        raise typer.Exit(2)
    quiet_library_logs()
    application = build(settings.telegram_token, settings.resolved_database_url(), api_base=settings.telegram_api,
                        web_url=settings.public_url)
    if webhook_url:
        typer.echo(f"Worker Speaks bot: webhook {webhook_url}, listening on {listen}:{port} (Ctrl+C stops).")
        application.run_webhook(**webhook_options(webhook_url, listen, port), allowed_updates=["message",
                                                                                               "callback_query"])
        return
    typer.echo("Worker Speaks bot: polling Telegram (Ctrl+C stops).")
    application.run_polling(allowed_updates=["message", "callback_query"])

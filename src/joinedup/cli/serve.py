"""``joinedup serve``: the web app and the JSON API on uvicorn."""

from __future__ import annotations

import sys

import typer

from joinedup import services
from joinedup.cli.common import console

app = typer.Typer()


def serve(
    host: str,
    port: int,
    engine: object | None = None,
    workers: int = 1,
    factory: str = "create_app",
) -> None:
    """Run the app until interrupted (Ctrl-C); with ``workers`` > 1, that many server
    processes share the port, each opening the configured store. ``factory``: which of
    ``joinedup.asgi``'s apps (``create_receiver_app``: the HTTPS receiver alone)."""
    import uvicorn

    from joinedup import asgi

    create_app = getattr(asgi, factory)
    if workers > 1:
        sys.stdout.flush()
        uvicorn.run(
            f"joinedup.asgi:{factory}",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            proxy_headers=False,
        )
        return
    web_app = create_app(engine if engine is not None else services.open_store())
    sys.stdout.flush()  # what was printed (the URL, the credentials) shows before serving
    # proxy_headers off: nothing in front of it is trusted to say who the client is.
    uvicorn.run(web_app, host=host, port=port, log_level="warning", proxy_headers=False)


@app.command("serve")
def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        help="Server processes (one per core on PostgreSQL; SQLite serialises writes).",
    ),
) -> None:
    """Serve the web app and the JSON API (OpenAPI at /openapi.json) on the store
    (JOINEDUP_DATABASE_URL, default ./joinedup.db). Each process handles
    JOINEDUP_WEB_CONCURRENCY requests at once (default 2); the rest queue."""
    from joinedup.config import refuse_unsafe_defaults

    # JOINEDUP_ENV=production: here, in one line, not a traceback from each worker
    refuse_unsafe_defaults()
    console.print(f"joinedup on http://{host}:{port} (Ctrl-C stops it)")
    serve(host, port, workers=workers)

"""The web pages: the chat widget (`/`, `/widget.js`, `/widget.css`) and the API docs (`/docs`).

Plain files of bot/channels/web/, served as they are and revalidated on every load. The widget
talks to the REST channel (bot/channels/rest.py); the docs page lists the endpoints from
/openapi.json (bot/channels/api_docs.py). Neither is in the OpenAPI schema.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

WEB = Path(__file__).resolve().parent / "web"
# route → (file of WEB, media type)
DOCS_PAGES = {"/docs": ("docs.html", "text/html"), "/docs.js": ("docs.js", "text/javascript"),
              "/docs.css": ("docs.css", "text/css")}
WIDGET_PAGES = {"/": ("index.html", "text/html"),
                "/widget.js": ("widget.js", "text/javascript"),
                "/widget.css": ("widget.css", "text/css")}


def _page_route(name: str, media_type: str):
    """A GET route answering one file of bot/channels/web/ (revalidated on every load)."""

    async def page() -> FileResponse:
        return FileResponse(WEB / name, media_type=media_type,
                            headers={"Cache-Control": "no-cache"})

    return page


def router(widget_enabled: bool) -> APIRouter:
    """The docs pages, and the widget's when `widget_enabled` (config channels.widget)."""
    routes = APIRouter()
    pages = dict(DOCS_PAGES)
    if widget_enabled:
        pages.update(WIDGET_PAGES)
    for route, (name, media_type) in pages.items():
        routes.add_api_route(route, _page_route(name, media_type), methods=["GET"],
                             include_in_schema=False)
    return routes

"""The API's interactive documentation, served whole by Dixian: Swagger UI at /docs and ReDoc at /redoc load their
scripts and styles from the API itself (the assets of the `fastapi-offline` package, MIT), so they work on an
isolated network; the schema declares the bearer scheme, so Swagger UI's Authorize button takes a token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/docs-assets"
BEARER = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "开发环境：`dixian token --user …` 或 .dixian/tokens/<role>；生产环境：统一身份认证的访问令牌",
    }
}
# The pages may load what the API serves and nothing else: ReDoc's bundle links a logo on the vendor's CDN, which the
# browser then does not fetch (it is not shown), and Swagger UI's online validator is turned off.
CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; worker-src 'self' blob:; font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
)
OPEN = frozenset({"/healthz", "/readyz", "/metrics"})  # answered without a token


def with_bearer(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with the bearer scheme, required by every operation but the open ones."""
    schema.setdefault("components", {}).setdefault("securitySchemes", {}).update(BEARER)
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            if isinstance(operation, dict) and path not in OPEN:
                operation.setdefault("security", [{"bearer": []}])
    return schema


def install(app: FastAPI) -> None:
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title} · API",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
            swagger_ui_parameters={"persistAuthorization": True, "validatorUrl": None},
        )
        page.headers["Content-Security-Policy"] = CSP
        return page

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url="/openapi.json",
            title=f"{app.title} · API",
            redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
        page.headers["Content-Security-Policy"] = CSP
        return page

"""The ASGI app: the API, the cockpit page and its files, errors as JSON, and the bearer token when there is one."""

from __future__ import annotations

import contextlib
import hmac
from pathlib import Path

import swagger_ui_bundle
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from sibyl.config import Settings
from sibyl.errors import SibylError, first_line
from sibyl.marts_reader import MartsNotBuilt, NoCostData, cost_basis
from sibyl.serve import api, schemas
from sibyl.serve.cache import AnswerCache
from sibyl.serve.readers import MartsUnavailable, reader_for

STATIC = Path(__file__).with_name("static")
# Open without a token: they hold no data (the page asks the API, which needs the token, for every number).
_PUBLIC = ("/", "/healthz", "/docs", "/openapi.json", "/static/")
# Swagger UI's files from the installed swagger-ui-bundle, not FastAPI's default CDN: /docs works air-gapped too.
SWAGGER_UI = Path(swagger_ui_bundle.swagger_ui_path)


def create_app(settings: Settings, *, token: str | None = None) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        app.state.reader.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Sibyl",
        summary="Read-only API over Sibyl's marts: cost by team, unallocated spend, tag compliance, idle resources.",
        version="1",
        redoc_url=None,
        docs_url=None,
    )
    app.state.reader = reader_for(settings)
    app.state.basis_column = cost_basis(settings.project_dir)
    app.state.target = settings.target
    app.include_router(api.router)
    app.mount("/static/swagger-ui", StaticFiles(directory=SWAGGER_UI), name="swagger-ui")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _add_errors(app)
    # added before the token check, so that check wraps it: a kept answer is only given past the token
    app.add_middleware(AnswerCache, version=app.state.reader.version)
    if token:
        _require_token(app, token)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Sibyl API",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
        )

    @app.get("/healthz", response_model=schemas.Health, summary="Is the server up, and can it read the marts?")
    def healthz(request: Request) -> JSONResponse:
        try:
            with request.app.state.reader.borrow() as con:
                con.fetch("select 1")
        except SibylError as exc:
            return JSONResponse({"status": "unavailable", "target": settings.target, "error": str(exc)}, status_code=503)
        return JSONResponse({"status": "ok", "target": settings.target, "error": None})

    return app


def _error(status: int, message: str, **more) -> JSONResponse:
    return JSONResponse({"error": message, **more}, status_code=status)


def _add_errors(app: FastAPI) -> None:
    """Every failure is one JSON line: a bad parameter 422, an unknown name 404, nothing to read 503; never a traceback."""

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e["loc"][1:]) or "request"
            got = f" (got {e['input']!r})" if "input" in e and not isinstance(e["input"], dict) else ""
            problems.append(f"{e['loc'][0]} parameter {where}: {e['msg']}{got}")
        return _error(422, "; ".join(problems))

    @app.exception_handler(api.ApiError)
    async def api_error(request: Request, exc: api.ApiError) -> JSONResponse:
        return _error(exc.status, str(exc))

    @app.exception_handler(NoCostData)
    async def no_cost_data(request: Request, exc: NoCostData) -> JSONResponse:
        covered = exc.coverage
        coverage = {"first_usage_date": covered[0].isoformat(), "last_usage_date": covered[1].isoformat()} if covered else None
        return _error(404, str(exc), coverage=coverage)

    @app.exception_handler(SibylError)
    async def unavailable(request: Request, exc: SibylError) -> JSONResponse:
        # nothing built or published yet, the database unreachable or the role refused: 503 with what to run
        status = 503 if isinstance(exc, MartsUnavailable | MartsNotBuilt) else 500
        return _error(status, str(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail), **({"allow": exc.headers.get("Allow")} if exc.headers else {}))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        return _error(500, f"internal error: {type(exc).__name__}: {first_line(exc)}")


def _require_token(app: FastAPI, token: str) -> None:
    expected = f"Bearer {token}".encode()

    @app.middleware("http")
    async def bearer(request: Request, call_next):
        path = request.url.path
        if path in _PUBLIC or path.startswith("/static/"):
            return await call_next(request)
        given = request.headers.get("authorization", "").encode()
        # compare_digest takes the same time wherever the first difference is
        if not hmac.compare_digest(given, expected):
            return JSONResponse(
                {"error": "missing or wrong bearer token: send the header `Authorization: Bearer <SIBYL_API_TOKEN>`"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return await call_next(request)

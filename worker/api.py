"""The HTTP API and the page: reads through a read-only role, POST /articles for producers."""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import create_engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from schemas import EntityKind
from worker import health, metrics, queries, search
from worker.settings import Settings, get_settings

PAGE = Path(__file__).parent / "web" / "index.html"
MAX_BATCH = 1000
_BIGINT = 2**63 - 1
# Strings reach PostgreSQL, whose text cannot hold NUL.
_NO_NUL = r"^[^\x00]*$"

Text = Annotated[str | None, Query(max_length=200, pattern=_NO_NUL)]
When = Annotated[date | datetime | None, Query(description="A day (inclusive) or an ISO 8601 time.")]
PathId = Annotated[int, PathParam(ge=1, le=_BIGINT)]


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API, with its own pool on the reader URL (NEWSINGEST_READER_DATABASE_URL, else DATABASE_URL)."""
    settings = settings or get_settings()
    engine = create_engine(
        settings.sync_reader_url,
        pool_size=4,
        pool_pre_ping=True,
        # A runaway search ends as a 503, not a stuck worker thread.
        connect_args={"options": "-c statement_timeout=10000"},
    )
    app = FastAPI(
        title="newsingest",
        version="1",
        description="Search and browse processed news articles; follow changes; submit articles.",
    )

    app.state.readers = sessionmaker(engine)
    app.state.settings = settings
    _answer_errors_in_json(app)
    app.include_router(router)
    app.mount("/metrics", metrics.asgi_app())
    app.middleware("http")(_measure)
    return app


async def _measure(request: Request, call_next: Any) -> Any:
    """Count and time every request under its route template (`/articles/{article_id}`)."""
    started = time.perf_counter()
    response = await call_next(request)
    route = request.scope.get("route")
    name = getattr(route, "path", "unmatched")
    metrics.API_REQUESTS.labels(name, str(response.status_code)).inc()
    metrics.API_SECONDS.labels(name).observe(time.perf_counter() - started)
    return response


def reader(request: Request) -> Iterator[Session]:
    """A session on the read-only role, for one request."""
    with request.app.state.readers() as session:
        yield session


Reader = Annotated[Session, Depends(reader)]
router = APIRouter()


def _answer_errors_in_json(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        message = f"{where}: {first.get('msg', 'invalid')}"
        return JSONResponse({"error": message, "detail": _plain(error.errors())}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def failed(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(error.detail)}, status_code=error.status_code, headers=error.headers)

    @app.exception_handler(DBAPIError)
    async def unavailable(request: Request, error: DBAPIError) -> JSONResponse:
        return JSONResponse({"error": "database unavailable or query timed out"}, status_code=503)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def page() -> str:
    return PAGE.read_text(encoding="utf-8")


@router.get("/articles", summary="Search articles")
def articles(  # noqa: PLR0917 - FastAPI reads query parameters from the signature
    session: Reader,
    q: Annotated[
        str | None, Query(max_length=1000, pattern=_NO_NUL, description='Words, "a phrase", OR, -word.')
    ] = None,
    order: Literal["relevance", "date"] = "relevance",
    language: Text = None,
    source: Text = None,
    section: Text = None,
    agency: Text = None,
    entity: Text = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
    since: When = None,
    until: When = None,
    include_copies: bool = False,
    limit: Annotated[int, Query(ge=1, le=search.MAX_LIMIT)] = 20,
    cursor: Annotated[str | None, Query(max_length=500, description="`next` of the previous page.")] = None,
) -> dict[str, Any]:
    """Matching articles, best first (title matches first) or newest first, with snippets."""
    filters = search.Filters(language, source, section, agency, entity, country, since, until, include_copies)
    try:
        return search.search(session, q, filters, order=order, limit=limit, cursor=cursor)
    except search.CursorError as error:
        raise HTTPException(422, str(error)) from error


@router.get("/articles/{article_id}", summary="One article")
def article(session: Reader, article_id: PathId) -> dict[str, Any]:
    """An article with its entities, countries, keywords, quotes and the other copies of its story."""
    return _found(queries.article_detail(session, article_id), f"no article {article_id}")


@router.get("/stories", summary="Stories, newest first")
def stories(
    session: Reader,
    limit: Annotated[int, Query(ge=1, le=search.MAX_LIMIT)] = 20,
    before: Annotated[int | None, Query(ge=1, le=_BIGINT, description="Stories with a smaller id.")] = None,
    min_copies: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> dict[str, Any]:
    items = queries.stories(session, limit, before, min_copies)
    return {"items": items, "next": items[-1]["id"] if len(items) == limit else None}


@router.get("/stories/{story_id}", summary="A story with all its copies")
def story(session: Reader, story_id: PathId) -> dict[str, Any]:
    return _found(queries.story(session, story_id), f"no story {story_id}")


@router.get("/entities", summary="Top entities in a period")
def entities(
    session: Reader,
    since: When = None,
    until: When = None,
    kind: EntityKind | None = None,
    limit: Annotated[int, Query(ge=1, le=search.MAX_LIMIT)] = 20,
) -> dict[str, Any]:
    """Entities named by the most stored articles dated in the period."""
    return {"items": queries.top_entities(session, since, until, kind, limit)}


@router.get("/stats", summary="What the database holds")
def stats(session: Reader) -> dict[str, Any]:
    return queries.stats(session)


@router.get("/feed", summary="The change feed")
def feed(
    session: Reader,
    after: Annotated[
        int, Query(ge=0, le=_BIGINT, description="The last number you have seen (0: from the start).")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Articles stored or changed after `after`, in order, each number once and none skipped.

    Wait for more with `LISTEN article_feed` (the payload is the newest number); see README.
    """
    return queries.feed(session, after, limit)


@router.post("/articles", status_code=202, summary="Submit articles")
def submit_articles(
    records: dict[str, Any] | list[dict[str, Any]],
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """Queue one record or a batch (README, Record format); answers queued ids and rejected records."""
    _authorise(request.app.state.settings, authorization)
    batch = records if isinstance(records, list) else [records]
    if len(batch) > MAX_BATCH:
        raise HTTPException(413, f"at most {MAX_BATCH} records per request")
    from worker.submit import submit

    receipt = submit([(f"record {index + 1}", record) for index, record in enumerate(batch)])
    return {
        "queued": [{"label": label, "submission_id": ident} for label, ident in receipt.queued],
        "rejected": [{"label": label, **why.model_dump()} for label, why in receipt.rejected],
    }


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz", include_in_schema=False)
def readyz(request: Request) -> JSONResponse:
    """Readiness: the database answers (the broker too when POST /articles is enabled)."""
    settings: Settings = request.app.state.settings
    ready = health.readiness(settings, broker=bool(settings.api_token))
    body = {"status": "ok" if ready.ok else "unavailable", **ready.checks}
    return JSONResponse(body, status_code=200 if ready.ok else 503)


def _found(value: dict[str, Any] | None, message: str) -> dict[str, Any]:
    if value is None:
        raise HTTPException(404, message)
    return value


def _authorise(settings: Settings, authorization: str | None) -> None:
    if not settings.api_token:
        raise HTTPException(503, "submitting is off: set NEWSINGEST_API_TOKEN")
    given = (authorization or "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), settings.api_token.encode()):
        raise HTTPException(
            401, "a valid token is required: Authorization: Bearer TOKEN", {"WWW-Authenticate": "Bearer"}
        )


def _plain(errors: Any) -> Any:
    """Validation errors without the exception objects pydantic keeps in `ctx`."""
    return [{key: value for key, value in error.items() if key in ("loc", "msg", "type")} for error in errors]

"""The HTTP API against articles stored by real workers, read through a read-only role."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ProgrammingError

from tests.e2e.conftest import API_TOKEN, Workers, submit, wait_settled
from tests.factories import story_text

TOKEN = uuid.uuid4().hex
NAMES = "President William Ruto of Kenya met Amina Mohamed in Nairobi on Monday, officials said."


def _record(name: str, title: str, source: str, extra: str, body_token: str | None = None) -> dict[str, Any]:
    text_ = story_text(body_token or name + TOKEN, title=f"{title} {TOKEN}")
    return {"url": f"https://{source}/{name}-{TOKEN}", "content": text_ + extra + "\n", "content_type": "text/plain"}


@pytest.fixture(scope="module")
def stored(
    workers: Workers, stack_env: dict[str, str], engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, int]:
    """Three articles through the real pipeline: a title match, a body match, a copy of the first."""
    records = {
        "title": _record("title", "Floods reach the capital", "a.example", NAMES),
        "body": _record("body", "Harbour ferry returns", "b.example", "Floods closed the old road for a week."),
        "copy": _record("copy", "Floods reach the capital", "c.example", NAMES, body_token="title" + TOKEN),
    }
    path = tmp_path_factory.mktemp("api") / "records.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records.values()))
    workers.start(concurrency=1)
    receipt = submit(stack_env, str(path))
    ids = [queued["id"] for queued in receipt["queued"]]
    settled = wait_settled(engine, ids)
    outcome = {name: settled[ident] for name, ident in zip(records, ids, strict=True)}
    assert [status for status, _ in outcome.values()] == ["stored", "stored", "copy"], outcome
    return {name: article_id for name, (_, article_id) in outcome.items() if article_id is not None}


def _get(api_url: str, path: str, **params: Any) -> Any:
    answer = httpx.get(api_url + path, params=params, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _ids(page: dict[str, Any]) -> list[int]:
    return [hit["id"] for hit in page["items"]]


def test_search_puts_title_matches_first_and_marks_hits(api_url: str, stored: dict[str, int]) -> None:
    page = _get(api_url, "/articles", q=f"floods {TOKEN}")
    assert _ids(page) == [stored["title"], stored["body"]]
    assert "<mark>" in page["items"][1]["snippet_html"]
    assert _ids(_get(api_url, "/articles", q=f"floods -road {TOKEN}")) == [stored["title"]]
    assert _ids(_get(api_url, "/articles", q=f'"floods reach" OR ferry {TOKEN}', order="date")) == sorted(
        [stored["title"], stored["body"]], reverse=True
    )


def test_filters(api_url: str, stored: dict[str, int]) -> None:
    q = f"floods {TOKEN}"
    assert _ids(_get(api_url, "/articles", q=q, source="b.example")) == [stored["body"]]
    assert _ids(_get(api_url, "/articles", q=q, country="ke")) == [stored["title"]]
    assert _ids(_get(api_url, "/articles", q=q, language="fr")) == []
    assert set(_ids(_get(api_url, "/articles", q=q, include_copies="true"))) == set(stored.values())
    assert _ids(_get(api_url, "/articles", q=q, since="2999-01-01")) == []
    assert _ids(_get(api_url, "/articles", q=q, until="1999-01-01")) == []
    person = next(e for e in _get(api_url, f"/articles/{stored['title']}")["entities"] if e["kind"] == "person")
    assert _ids(_get(api_url, "/articles", q=TOKEN, entity=person["name"].upper())) == [stored["title"]]


def test_keyset_pages_neither_repeat_nor_skip(api_url: str, stored: dict[str, int]) -> None:
    for order in ("relevance", "date"):
        seen, cursor = [], None
        while True:
            page = _get(
                api_url,
                "/articles",
                q=TOKEN,
                order=order,
                limit=1,
                include_copies="true",
                **({"cursor": cursor} if cursor else {}),
            )
            seen += _ids(page)
            if not (cursor := page["next"]):
                break
        assert sorted(seen) == sorted(stored.values()), order


def test_article_story_entities_stats(api_url: str, stored: dict[str, int]) -> None:
    article = _get(api_url, f"/articles/{stored['title']}")
    assert "KE" in article["countries"] and article["keywords"] and article["entities"]
    assert {copy["id"] for copy in article["copies"]} == {stored["title"], stored["copy"]}
    story = _get(api_url, f"/stories/{article['story_id']}")
    assert story["copies"][0]["is_canonical"] and len(story["copies"]) == 2
    assert article["story_id"] in [s["id"] for s in _get(api_url, "/stories", min_copies=2)["items"]]
    assert _get(api_url, "/entities", kind="person")["items"]
    stats = _get(api_url, "/stats")
    assert stats["articles"] >= 3 and stats["copies"] >= 1


def test_errors_are_json_and_never_500(api_url: str, stored: dict[str, int]) -> None:
    for path, params, status in (
        ("/articles/999999999", {}, 404),
        ("/articles/0", {}, 422),
        ("/articles", {"limit": 1000}, 422),
        ("/articles", {"cursor": "not-a-cursor"}, 422),
        ("/articles", {"since": "yesterday"}, 422),
        ("/articles", {"q": "a\x00b"}, 422),
        ("/nowhere", {}, 404),
    ):
        answer = httpx.get(api_url + path, params=params, timeout=30)
        assert (answer.status_code, "error" in answer.json()) == (status, True), (path, answer.text)
    for query in ("'; DROP TABLE articles; --", '"unbalanced', "! & | :*", "-"):
        assert httpx.get(api_url + "/articles", params={"q": query}, timeout=30).status_code == 200


def test_the_feed_numbers_every_change_once(api_url: str, stored: dict[str, int]) -> None:
    feed = _get(api_url, "/feed", after=0, limit=1000)
    seqs = [item["seq"] for item in feed["items"]]
    assert seqs == list(range(1, len(seqs) + 1))
    assert set(stored.values()) <= {item["article_id"] for item in feed["items"]}
    assert _get(api_url, "/feed", after=feed["last"])["items"] == []


def test_the_reader_role_cannot_write(reader_url: str) -> None:
    engine = create_engine(reader_url)
    try:
        with engine.connect() as connection, pytest.raises(ProgrammingError, match="permission denied"):
            connection.execute(text("UPDATE articles SET title = 'x'"))
    finally:
        engine.dispose()


def test_producers_post_articles(api_url: str, engine: Engine, stored: dict[str, int], tmp_path: Path) -> None:
    record = _record("posted", "Posted over HTTP", "d.example", "")
    assert httpx.post(api_url + "/articles", json=record, timeout=30).status_code == 401
    answer = httpx.post(
        api_url + "/articles",
        json=[record, {"content": "no source"}],
        headers={"Authorization": f"Bearer {API_TOKEN}"},
        timeout=30,
    )
    assert answer.status_code == 202, answer.text
    receipt = answer.json()
    assert [r["label"] for r in receipt["rejected"]] == ["record 2"] and receipt["rejected"][0]["reason"]
    ident = receipt["queued"][0]["submission_id"]
    assert wait_settled(engine, [ident])[ident][0] == "stored"
    assert len(_get(api_url, "/articles", q=f"posted {TOKEN}")["items"]) == 1


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_the_page_in_headless_chromium(api_url: str, stored: dict[str, int]) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(api_url + "/")
            page.fill("input[name=q]", f"nairobi {TOKEN}")
            page.fill("input[name=country]", "KE")
            page.click("button[type=submit]")
            hits = page.locator(".hit")
            expect(hits).to_have_count(1)
            expect(hits.first.locator("mark").first).to_be_visible()
            hits.first.locator("a").click()
            expect(page.locator("article h2")).to_contain_text("Floods reach the capital")
            expect(page.locator("article")).to_contain_text("KE")
            expect(page.locator(".copies li")).to_have_count(2)
            other = page.locator(".copies li a").last
            other_source = other.inner_text().split(":")[0]
            other.click()
            expect(page.locator("article .meta")).to_contain_text(other_source)
            page.goto(api_url + "/#/?q=" + "nothing-matches-" + TOKEN)
            expect(page.locator(".empty")).to_be_visible()
            expect(page.locator("input[name=country]")).to_have_value("")
        finally:
            browser.close()


def test_health_and_metrics(api_url: str, stored: dict[str, int]) -> None:
    assert httpx.get(api_url + "/healthz", timeout=30).json() == {"status": "ok"}
    ready = httpx.get(api_url + "/readyz", timeout=30)
    assert ready.status_code == 200 and ready.json()["status"] == "ok"
    for _ in range(3):
        httpx.get(api_url + f"/articles/{stored['title']}", timeout=30)
    exposed = httpx.get(api_url + "/metrics/", timeout=30).text
    counted = [
        line
        for line in exposed.splitlines()
        if line.startswith("newsingest_api_requests_total") and 'route="/articles/{article_id}"' in line
    ]
    assert counted and float(counted[0].rsplit(" ", 1)[1]) >= 3
    assert "newsingest_api_request_duration_seconds_bucket" in exposed

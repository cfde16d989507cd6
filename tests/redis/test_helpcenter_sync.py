"""Help-centre sync through httpx against the local Zendesk Guide and Intercom stand-ins, published to a real Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from devkit.fakes.helpcenter import FakeArticles, FakeGuide
from tests.support.helpcenter import IC_TOKEN, articles_api, guide, sync_settings
from worker.errors import SyncFailed
from worker.retrieval.cluster import Follower
from worker.retrieval.retriever import Retriever
from worker.retrieval.snapshot import FolderStore, RedisStore
from worker.retrieval.sync import status
from worker.retrieval.sync.run import sync
from worker.settings import Settings
from worker.sinks.intercom import build_client as intercom_client
from worker.sinks.zendesk import build_client as zendesk_client


@pytest.fixture
def zd() -> Iterator[FakeGuide]:
    g = guide()
    yield g
    g.stop()


@pytest.fixture
def ic() -> Iterator[FakeArticles]:
    a = articles_api()
    yield a
    a.stop()


def _chunks_of(r: redis.Redis, doc_id: str, tmp: Path) -> int:
    store = RedisStore(r)
    meta = store.current()
    assert meta is not None
    from worker.retrieval import snapshot

    data = store.index_bytes(meta["version"])
    assert data is not None
    index = snapshot.from_bytes(data, tmp / "check.npz")
    return sum(p.doc_id == doc_id for p in index.passages)


def _zendesk(r: redis.Redis, zd: FakeGuide, s: Settings, sleeps: list[float] | None = None, **kw: object):  # type: ignore[no-untyped-def]
    with zendesk_client(s) as client:
        return sync("zendesk", settings=s, store=RedisStore(r), r=r, client=client, sleep=(sleeps.append if sleeps is not None else lambda _: None), **kw)  # type: ignore[arg-type]


def test_a_zendesk_sync_indexes_published_articles_per_locale_with_their_section(r: redis.Redis, redis_url: str, zd: FakeGuide, tmp_path: Path) -> None:
    # given a help centre of 4 published articles (one also in Spanish) and a draft, listed 2 a page
    s = sync_settings(redis_url, tmp_path, zendesk_url=zd.url)
    # when it is synced for the first time
    rep = _zendesk(r, zd, s)
    # then every published translation is indexed, mapped to retrieval's languages, and the draft is not
    assert rep.mode == "full" and rep.published and rep.version.startswith("1-")
    assert rep.per_locale == {"en": 4, "es": 1}
    assert "en/zendesk-199" not in rep.added
    assert len(zd.requests("GET", r"/en-us/articles")) == 3  # 5 articles (the draft too), 2 a page, by cursor
    meta = RedisStore(r).current()
    assert meta is not None and meta["version"] == rep.version
    index_file = tmp_path / "x.npz"
    from worker.retrieval import snapshot

    retriever = Retriever(snapshot.from_bytes(RedisStore(r).index_bytes(rep.version) or b"", index_file), version=rep.version)
    top = retriever.search("how do I reset my forgotten password", k=1)[0]
    assert top.doc_id == "zendesk-101" and "Account > Sign-in" in top.text
    assert retriever.search("restablecer contraseña olvidé", k=1, language="es")[0].language == "es"


def test_changing_one_zendesk_article_re_embeds_only_its_chunks_through_the_incremental_export(r: redis.Redis, redis_url: str, zd: FakeGuide, tmp_path: Path) -> None:
    s = sync_settings(redis_url, tmp_path, zendesk_url=zd.url)
    first = _zendesk(r, zd, s)
    # when one article changes and the help centre is synced again
    zd.put(102, "Export your invoices", "<h2>Download invoices</h2><p>Invoices are under Billing > History now; press Export.</p>", section_id=7)
    second = _zendesk(r, zd, s)
    # then the incremental export found it, and only its chunks went through the encoder
    assert second.mode == "incremental" and second.published and second.version != first.version
    assert zd.requests("GET", r"/incremental/articles")[-1].query["start_time"]
    assert second.changed == ["en/zendesk-102"] and not second.added and not second.removed
    assert second.rechunked == 1  # the other articles kept their chunks
    assert second.embedded == _chunks_of(r, "zendesk-102", tmp_path) >= 1
    assert second.reused == second.chunks - second.embedded
    # and a sync with nothing changed publishes no new version
    third = _zendesk(r, zd, s)
    assert not third.published and third.version == second.version and third.embedded == 0


def test_unpublished_and_deleted_zendesk_articles_leave_the_index(r: redis.Redis, redis_url: str, zd: FakeGuide, tmp_path: Path) -> None:
    s = sync_settings(redis_url, tmp_path, zendesk_url=zd.url)
    _zendesk(r, zd, s)
    # an article made a draft again comes through the incremental export and is removed
    zd.unpublish(104)
    rep = _zendesk(r, zd, s)
    assert rep.mode == "incremental" and rep.removed == ["en/zendesk-104"]
    # a deleted article is absent from the listing: the full listing (TICKETFLOW_HELPCENTER_RECONCILE_S, or --full) removes it
    zd.delete(103)
    rep = _zendesk(r, zd, s, full=True)
    assert rep.mode == "full" and rep.removed == ["en/zendesk-103"]
    assert _chunks_of(r, "zendesk-103", tmp_path) == 0
    s0 = sync_settings(redis_url, tmp_path, zendesk_url=zd.url, helpcenter_reconcile_s=0)
    zd.delete(102)
    assert _zendesk(r, zd, s0).removed == ["en/zendesk-102"]


def test_a_429_with_retry_after_is_waited_out(r: redis.Redis, redis_url: str, zd: FakeGuide, tmp_path: Path) -> None:
    s = sync_settings(redis_url, tmp_path, zendesk_url=zd.url)
    zd.fail_next(1, 429, retry_after=4, path=r"/articles")
    sleeps: list[float] = []
    rep = _zendesk(r, zd, s, sleeps)
    assert sleeps == [4.0] and rep.published


def test_a_failed_sync_keeps_the_last_good_version_and_says_why(r: redis.Redis, redis_url: str, zd: FakeGuide, tmp_path: Path) -> None:
    s = sync_settings(redis_url, tmp_path, zendesk_url=zd.url)
    good = _zendesk(r, zd, s)
    zd.put(101, "Reset your password", "<p>New text that must not be published by a failed sync.</p>", section_id=7)
    # when the export keeps answering 503 (more often than a sync retries)
    zd.fail_next(20, 503, path=r"/incremental/")
    with pytest.raises(SyncFailed, match="503"):
        _zendesk(r, zd, s)
    # then the version is unchanged and the failure is recorded for /readyz, metrics and `index status`
    meta = RedisStore(r).current()
    assert meta is not None and meta["version"] == good.version
    last = status.syncs(r)["zendesk"]
    assert last["ok"] is False and last["failures"] == 1 and "503" in last["error"] and last["version"] == good.version
    assert status.sync_detail(r).startswith("failing: zendesk: 1 failed syncs")
    from worker.metrics import index_sync_families

    fams = {f.name: f for f in index_sync_families(r)}
    assert fams["ticketflow_index_sync_ok"].samples[0].value == 0.0
    assert fams["ticketflow_index_sync_failures"].samples[0].value == 1.0
    # and the next good sync clears it
    zd._failures.clear()
    assert _zendesk(r, zd, s).published and status.sync_detail(r) == "ok"


def test_wrong_credentials_fail_the_sync_without_publishing(r: redis.Redis, redis_url: str, zd: FakeGuide, tmp_path: Path) -> None:
    s = sync_settings(redis_url, tmp_path, zendesk_url=zd.url, zendesk_api_token="wrong")
    with pytest.raises(SyncFailed, match="401"):
        _zendesk(r, zd, s)
    assert RedisStore(r).current() is None


def _intercom(r: redis.Redis, s: Settings, sleeps: list[float] | None = None):  # type: ignore[no-untyped-def]
    with intercom_client(s) as client:
        return sync("intercom", settings=s, store=RedisStore(r), r=r, client=client, sleep=(sleeps.append if sleeps is not None else lambda _: None))


def test_intercom_articles_sync_per_locale_change_one_and_delete_one(r: redis.Redis, redis_url: str, ic: FakeArticles, tmp_path: Path) -> None:
    s = sync_settings(redis_url, tmp_path, intercom_url=ic.url)
    # first sync: the published content of every locale, not the draft; pages of 2, one 429 waited out
    ic.fail_next(1, 429, retry_after=3, path=r"^/articles")
    sleeps: list[float] = []
    first = _intercom(r, s, sleeps)
    assert sleeps == [3.0]
    assert first.per_locale == {"en": 4, "fr": 1} and "en/intercom-199" not in first.added
    assert len(ic.requests("GET", r"^/articles$")) == 3  # 5 articles, 2 a page
    assert all(c.headers["authorization"] == f"Bearer {IC_TOKEN}" for c in ic.calls)
    # one article changes: only its chunks are re-embedded
    ic.put("103", "Turn on two-factor authentication", "<p>Security > Two-factor, then scan the code with any authenticator app.</p>")
    second = _intercom(r, s)
    assert second.changed == ["en/intercom-103"] and second.embedded == _chunks_of(r, "intercom-103", tmp_path) and second.rechunked == 1
    # one article is deleted, one translation unpublished: both leave the index
    ic.delete("104")
    ic.put("101", "Réinitialiser le mot de passe", "<p>brouillon</p>", locale="fr", state="draft")
    third = _intercom(r, s)
    assert third.removed == ["en/intercom-104", "fr/intercom-101"] and third.per_locale == {"en": 3}


def test_two_sources_make_one_index(r: redis.Redis, redis_url: str, zd: FakeGuide, ic: FakeArticles, tmp_path: Path) -> None:
    s = sync_settings(redis_url, tmp_path, zendesk_url=zd.url, intercom_url=ic.url)
    _zendesk(r, zd, s)
    both = _intercom(r, s)
    assert both.per_locale == {"en": 8, "es": 1, "fr": 1}
    meta = RedisStore(r).current()
    assert meta is not None and meta["sources"] == ["intercom", "zendesk"]


def test_a_worker_switches_to_a_new_version_between_tickets(r: redis.Redis, redis_url: str, zd: FakeGuide, tmp_path: Path) -> None:
    s = sync_settings(redis_url, tmp_path / "sync", zendesk_url=zd.url)
    first = _zendesk(r, zd, s)
    now = [0.0]
    follower = Follower(RedisStore(r), r, tmp_path / "worker", check_s=5.0, fallback=lambda: pytest.fail("no fallback"), clock=lambda: now[0])
    assert follower.get().version == first.version
    zd.put(104, "Invite teammates", "<p>Members > Invite, then the email addresses.</p>", section_id=7)
    second = _zendesk(r, zd, s)
    assert follower.get().version == first.version  # not yet time to look
    now[0] = 6.0
    assert follower.get().version == second.version
    assert [p.name for p in (tmp_path / "worker").glob("cluster-*.npz")] == [f"cluster-{second.version}.npz"]
    assert status.served(r) == {second.version: [status.worker_id()]}


def test_a_folder_store_keeps_the_newest_versions(tmp_path: Path) -> None:
    store = FolderStore(tmp_path / "shared", keep=2)
    versions = [store.publish(f"bytes{i}".encode(), {"sources": {}}, {"fingerprint": f"{i:08d}"}) for i in range(3)]
    assert versions == ["1-00000000", "2-00000001", "3-00000002"]
    cur = store.current()
    assert cur is not None and cur["version"] == "3-00000002"
    assert store.index_bytes(versions[0]) is None and store.index_bytes(versions[2]) == b"bytes2"


def test_the_sync_speaks_httpx_to_a_real_socket(zd: FakeGuide) -> None:
    # the stand-in is an HTTP server, not a patched client: a plain httpx call sees the published shape
    resp = httpx.get(f"{zd.url}/api/v2/help_center/incremental/articles.json", params={"start_time": 0, "include": "sections,categories"},
                     headers={"Authorization": zd.auth or ""})
    body = resp.json()
    assert resp.status_code == 200 and {"articles", "sections", "categories", "next_page", "end_time", "count"} <= set(body)


def test_readyz_says_when_no_version_is_published_and_why_a_sync_fails(r: redis.Redis, redis_url: str, use_env: dict[str, str], zd: FakeGuide, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from producer.api import create_app

    s = sync_settings(redis_url, tmp_path, zendesk_url=zd.url)
    with TestClient(create_app(s, r=r)) as api:
        # before any sync the cluster has no index to serve: not ready
        before = api.get("/readyz")
        assert before.status_code == 503 and before.json()["checks"]["index"].startswith("missing")
        good = _zendesk(r, zd, s)
        assert api.get("/readyz").json()["detail"] == {"index_sync": "ok"}
        # a failing sync: still ready (the last good version serves), and the detail says why
        zd.fail_next(20, 500, path=r"/incremental/")
        with pytest.raises(SyncFailed):
            _zendesk(r, zd, s)
        after = api.get("/readyz")
    assert after.status_code == 200
    detail = after.json()["detail"]["index_sync"]
    assert detail.startswith("failing: zendesk") and good.version in detail and "500" in detail


def test_a_local_folder_is_published_to_the_cluster_with_its_own_doc_ids(r: redis.Redis, redis_url: str, tmp_path: Path) -> None:
    help_dir = tmp_path / "help"
    (help_dir / "es").mkdir(parents=True)
    (help_dir / "reset-password.md").write_text("# Reset your password\n\nClick Forgot password on the sign-in page.\n", encoding="utf-8")
    (help_dir / "es" / "reset-password.md").write_text("# Restablecer\n\nPulsa Olvidé mi contraseña.\n", encoding="utf-8")
    s = sync_settings(redis_url, tmp_path / "index")
    rep = sync(str(help_dir), settings=s, store=RedisStore(r), r=r)
    assert rep.source == "local" and rep.added == ["en/reset-password", "es/reset-password"]
    assert status.syncs(r)["local"]["ok"] is True

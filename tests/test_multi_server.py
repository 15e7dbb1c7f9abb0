"""More than one app server: two real gunicorn servers on two ports, one database (and Redis).

A session started on one is valid on the other, a CSRF token from one is accepted by the other,
logout on one ends the session on both; a third server with another ``SOB_SECRET_KEY`` still sees
the session (it is a row in ``user_session``) but refuses the first servers' CSRF tokens.

Runs in the normal suite on both databases: on PostgreSQL (``SOB_TEST_DATABASE_URL``) the servers
share the test database; on SQLite they share the test's SQLite file, which is sound on one machine
(SQLite locks the file for each writer; the servers' writes are a few short transactions).
"""

from __future__ import annotations

import os
import random
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from test_jobs import REDIS_URL, _redis_answers

from sob_core.extensions import db
from sob_core.testing import csrf_from

KEY = "multi-server-shared-key-0123456789abcdef"
OTHER_KEY = "multi-server-another-key-fedcba9876543210"
#: the ports this test may use (the development VM gives each helper a range)
PORTS = range(8200, 8300)


def free_port() -> int:
    for port in random.sample(PORTS, len(PORTS)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8200-8299")


def server_environment(app, key: str) -> dict[str, str]:
    """What a deployed app server gets: the same database and Redis, the given secret key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOB_")}
    env.update(
        DATABASE_URL=str(app.config["SQLALCHEMY_DATABASE_URI"]),
        SOB_SECRET_KEY=key,
        SOB_DEMO="1",  # the demo login provider signs people in over real HTTP
        SOB_ENV="development",  # plain http on 127.0.0.1: no Secure cookie
        SOB_BASE_URL="http://127.0.0.1",
    )
    env.pop("REDIS_URL", None)
    redis_url = app.config.get("REDIS_URL") or REDIS_URL
    if _redis_answers(redis_url):  # one Redis for both, as deployed (the queues stay unused)
        env.update(REDIS_URL=str(redis_url), SOB_QUEUE_PREFIX=f"sobtest-multi-{os.getpid()}")
    return env


def gunicorn() -> str:
    found = Path(sys.executable).with_name("gunicorn")
    return str(found) if found.exists() else "gunicorn"


def wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    """Until ``/healthz`` answers 200 (the server is up and reaches the database)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited {process.returncode}:\n{log.read_text()}")
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # bound, workers still booting
            pass
        time.sleep(0.1)  # polling a port that is not yet bound: no event to wait on
    raise AssertionError(f"{url} not healthy after {timeout} s:\n{log.read_text()}")


@pytest.fixture
def start_server(app, tmp_path) -> Iterator[Callable[[str], str]]:
    """``start_server(key)``: a gunicorn of 2 workers against the test database; its URL."""
    db.session.commit()
    db.session.close()
    db.engine.dispose()  # hold no connection (SQLite: no lock) the servers could wait for
    started: list[subprocess.Popen] = []

    def start(key: str) -> str:
        port = free_port()
        log = tmp_path / f"gunicorn-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [gunicorn(), "--workers", "2", "--bind", f"127.0.0.1:{port}"]
                + ["--graceful-timeout", "5", "sob_core.app:create_app()"],
                env=server_environment(app, key),
                cwd=tmp_path,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, process, log)
        return url

    yield start
    for process in started:
        process.terminate()
    for process in started:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def signed_in(browser: requests.Session, url: str) -> bool:
    """Whether the citizen's start page opens (not a redirect to the login page)."""
    answer = browser.get(f"{url}/citizen/", allow_redirects=False, timeout=10)
    assert answer.status_code in (200, 302), answer.status_code
    return answer.status_code == 200


def test_two_app_servers_share_sessions_csrf_and_logout(app, demo_data, start_server):
    from sob_core import demo

    identifier = demo.demo_people("citizen")[0][0]
    db.session.close()
    db.engine.dispose()
    a, b = start_server(KEY), start_server(KEY)
    browser = requests.Session()
    assert not signed_in(browser, a) and not signed_in(browser, b)

    # Sign in on A with the demo provider (a real form post, with A's CSRF token).
    page = browser.get(f"{a}/auth/demo/?audience=citizen", timeout=10)
    assert page.status_code == 200
    done = browser.post(
        f"{a}/auth/demo/",
        data={"csrf_token": csrf_from(page.text), "audience": "citizen", "identifier": identifier},
        allow_redirects=False,
        timeout=10,
    )
    assert done.status_code == 302, done.text
    assert browser.cookies.get("sob_session")
    assert signed_in(browser, a)
    assert signed_in(browser, b)  # the session is a row in the shared database

    # A CSRF token of A's page is accepted by B: sign out on B with it.
    token_a = csrf_from(browser.get(f"{a}/citizen/", timeout=10).text)
    copied = dict(browser.cookies)  # a copy of the cookie, taken while signed in
    out = browser.post(
        f"{b}/auth/logout", data={"csrf_token": token_a}, allow_redirects=False, timeout=10
    )
    assert out.status_code == 302, out.text
    assert not signed_in(browser, b)
    assert not signed_in(browser, a)  # ended on both: the row is gone
    thief = requests.Session()
    thief.cookies.update(copied)
    assert not signed_in(thief, a) and not signed_in(thief, b)


def test_a_server_with_another_secret_key_refuses_the_others_csrf_tokens(
    app, demo_data, start_server
):
    from sob_core import demo

    identifier = demo.demo_people("citizen")[0][0]
    db.session.close()
    db.engine.dispose()
    a, other = start_server(KEY), start_server(OTHER_KEY)
    browser = requests.Session()
    page = browser.get(f"{a}/auth/demo/?audience=citizen", timeout=10)
    browser.post(
        f"{a}/auth/demo/",
        data={"csrf_token": csrf_from(page.text), "audience": "citizen", "identifier": identifier},
        timeout=10,
    )
    assert signed_in(browser, a)
    # The session id is no secret-key matter: the other server finds the row...
    assert signed_in(browser, other)
    # ...but A's CSRF token is signed with A's key: the other server refuses it (400) and the
    # citizen stays signed in, so with differing keys every form posted across servers fails.
    token_a = csrf_from(browser.get(f"{a}/citizen/", timeout=10).text)
    refused = browser.post(
        f"{other}/auth/logout", data={"csrf_token": token_a}, allow_redirects=False, timeout=10
    )
    assert refused.status_code == 400
    assert re.search(r"CSRF|säkerhetstoken|400", refused.text, re.IGNORECASE)
    assert signed_in(browser, a)


def test_healthz_answers_ok_from_the_database_and_leaves_no_session(app, client):
    from sqlalchemy import func, select

    from sob_core.models import UserSession

    answer = client.get("/healthz")
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "ok\n")
    assert answer.headers["Cache-Control"] == "no-store"
    assert client.get_cookie("sob_session") is None
    assert db.session.scalar(select(func.count()).select_from(UserSession)) == 0


def test_healthz_says_503_when_the_database_is_unreachable(tmp_path):
    from sob_core.app import create_app
    from sob_core.testing import app_config

    # a PostgreSQL port nobody listens on: the load balancer must take this server out
    broken = create_app(app_config("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path))
    answer = broken.test_client().get("/healthz")
    assert answer.status_code == 503 and "database" in answer.get_data(as_text=True)


def test_behind_one_proxy_the_client_address_and_scheme_come_from_its_headers(make_app):
    from flask import request

    from sob_core.access_rules import public

    proxied = make_app(config={"SOB_PROXY_HOPS": 1})
    direct = make_app()

    for made in (proxied, direct):
        made.add_url_rule("/_seen", "_seen", lambda: f"{request.remote_addr} {request.scheme}")
        public(made.view_functions["_seen"])
    headers = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}
    seen = proxied.test_client().get("/_seen", headers=headers).get_data(as_text=True)
    assert seen == "198.51.100.7 https"
    # without SOB_PROXY_HOPS a client cannot choose its address by sending the header
    seen = direct.test_client().get("/_seen", headers=headers).get_data(as_text=True)
    assert seen == "127.0.0.1 http"

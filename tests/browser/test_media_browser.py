"""Every media element on a citizen's content page is drawn with a visible size (issue 8, item 9).

`.content-media { height: auto }` once drew an `<audio>` player 0 px tall in Chromium: the page
looked empty. This module serves a programme of its own, with an image, a sound and a video item
whose files were made here (a PNG written by hand, a second of silent MP3 frames, a WebM that the
browser records from a canvas, so nothing is downloaded) and uploaded through the real media
storage; a demo citizen enrolled in it opens each page at desktop width and at 320 CSS px.
"""

from __future__ import annotations

import base64
import os
import re
import struct
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - Playwright comes with the test extra
    if os.environ.get("SOB_REQUIRE_BROWSER") == "1":
        raise
    pytest.skip("Playwright is not installed; browser tests skipped", allow_module_level=True)

from browser_helpers import CITIZEN, THERAPIST, assert_accessible

pytestmark = pytest.mark.browser

MEDIA_SELECTOR = "main img, main audio, main video, main iframe"
ITEMS = ("m1-image", "m1-audio", "m1-video")
TIMEOUT_MS = 10_000  # as the shared fixtures wait
WIDTHS = (1280, 320)


# --- tiny valid media files ----------------------------------------------------------------------


def png(width: int = 48, height: int = 32) -> bytes:
    """A small RGB PNG (a two-colour stripe), written with zlib."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00"
        + b"".join(b"\x1f\x5f\xa0" if x < width // 2 else b"\xf0\xc0\x30" for x in range(width))
        for _ in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def silent_mp3(seconds: float = 1.0) -> bytes:
    """MPEG-1 Layer III frames of silence: 128 kbit/s, 44.1 kHz, mono, no CRC.

    A frame whose side information is all zeros carries no sound; decoders play it as silence.
    """
    frame_bytes = 144 * 128_000 // 44_100  # 417, no padding bit
    frame = bytes([0xFF, 0xFB, 0x90, 0xC4]) + bytes(frame_bytes - 4)
    frames = round(seconds * 44_100 / 1152)
    return frame * frames


CAPTIONS = "WEBVTT\n\n00:00.000 --> 00:00.500\nBlått och gult.\n".encode()

# Records about twenty frames of a canvas to WebM (VP8) with the browser's own encoder.
RECORD_WEBM = """() => new Promise((resolve, reject) => {
  const canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 48;
  const paint = canvas.getContext("2d");
  const recorder = new MediaRecorder(canvas.captureStream(30), {mimeType: "video/webm;codecs=vp8"});
  const chunks = [];
  recorder.ondataavailable = (event) => chunks.push(event.data);
  recorder.onerror = (event) => reject(String(event.error));
  recorder.onstop = async () => {
    const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
    let text = "";
    for (const byte of bytes) text += String.fromCharCode(byte);
    resolve(btoa(text));
  };
  recorder.start();
  let frame = 0;
  const draw = () => {
    paint.fillStyle = frame % 2 ? "#1f5fa0" : "#f0c030";
    paint.fillRect(0, 0, 64, 48);
    frame += 1;
    if (frame < 20) requestAnimationFrame(draw); else recorder.stop();
  };
  draw();
})"""


def webm(browser: Any) -> bytes:
    context = browser.new_context()
    try:
        return base64.b64decode(context.new_page().evaluate(RECORD_WEBM))
    finally:
        context.close()


# --- a server with a programme of media ----------------------------------------------------------


def _media_programme(app: Any, video: bytes) -> int:
    """Publish a programme with an image, a sound and a video item; enrol the demo citizen."""
    from sqlalchemy import select

    from sob_core import enrollments, media, programs
    from sob_core.extensions import db
    from sob_core.identity import personnummer
    from sob_core.models import CareUnit, Citizen, Staff

    registry = app.extensions["sob"].registry
    storage = media.get_storage(app)
    limit = media.max_upload_bytes(app.config)
    unit = db.session.scalars(select(CareUnit).order_by(CareUnit.id)).first()
    therapist = db.session.scalar(select(Staff).where(Staff.hsa_id == THERAPIST[0]))
    citizen = db.session.scalar(
        select(Citizen).where(Citizen.personnummer == personnummer.parse(CITIZEN[0]).number)
    )
    stored = {}
    for kind, data, name in (
        ("image", png(), "ränder.png"),
        ("audio", silent_mp3(), "tystnad.mp3"),
        ("video", video, "film.webm"),
        ("captions", CAPTIONS, "film.vtt"),
    ):
        media_type = media.check_upload(data, name, kind, limit)
        stored[kind] = media.store_media(
            db.session, storage, data, filename=name, media_type=media_type, care_unit_id=unit.id
        ).id
    content = {
        "name": {"sv": "Ljud och bild", "en": "Sound and picture"},
        "description": {"sv": "Ett program med bild, ljud och film."},
        "recommended_days": 7,
        "modules": [
            {
                "key": "m1",
                "title": {"sv": "Bild, ljud och film"},
                "recommended_days": 7,
                "unlock": {"rule": "at_start"},
                "items": [
                    {
                        "key": "m1-image",
                        "kind": "image",
                        "title": {"sv": "En bild"},
                        "media_id": stored["image"],
                        "alt": {"sv": "Två färgfält, ett blått och ett gult"},
                    },
                    {
                        "key": "m1-audio",
                        "kind": "audio",
                        "title": {"sv": "Ett ljud"},
                        "media_id": stored["audio"],
                        "transcript": {"sv": "En sekund av tystnad."},
                    },
                    {
                        "key": "m1-video",
                        "kind": "video",
                        "title": {"sv": "En film"},
                        "media_id": stored["video"],
                        "captions_media_id": stored["captions"],
                    },
                ],
            }
        ],
    }
    draft = programs.create_program(
        db.session,
        registry=registry,
        key="media-check",
        kind="treatment",
        owner_care_unit_id=unit.id,
        content=content,
    )
    version = programs.publish(db.session, draft, registry=registry, publisher_id=therapist.id)
    enrollment = enrollments.start(
        db.session,
        citizen_id=citizen.id,
        program_version_id=version.id,
        care_unit_id=unit.id,
        therapist_id=therapist.id,
        started_by_id=therapist.id,
        now=datetime.now(UTC),
    )
    db.session.commit()
    return enrollment.id


@pytest.fixture(scope="module")
def media_site(
    browser: Any, live_server: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict]:
    """A server of its own, like the shared ``live_server`` (whose class it uses; the shared one's
    data stays as the other tests expect it)."""
    from flask_migrate import upgrade

    from sob_core import demo
    from sob_core.app import create_app
    from sob_core.extensions import db
    from sob_core.testing import app_config

    folder = tmp_path_factory.mktemp("media")
    app = create_app(app_config(f"sqlite:///{folder / 'media.sqlite3'}", folder / "instance"))
    video = webm(browser)
    with app.app_context():
        upgrade()
        demo.load(db.session, app.extensions["sob"])
        enrollment_id = _media_programme(app, video)
        db.session.remove()
    server = type(live_server)(app)
    server.start()
    try:
        yield {"url": server.url, "enrollment_id": enrollment_id}
    finally:
        server.stop()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def citizen_page(browser: Any, media_site: dict) -> Iterator[Any]:
    """A page on the media site, signed in as the demo citizen."""
    context = browser.new_context(base_url=media_site["url"], locale="sv-SE")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/auth/demo/?audience=citizen")
    form = page.locator(f"main form:has(input[name=identifier][value='{CITIZEN[0]}'])")
    with page.expect_navigation():
        form.get_by_role("button").click()
    expect(page.locator("header .who")).to_have_text(CITIZEN[1])
    try:
        yield page
    finally:
        context.close()


def _media_boxes(page: Any) -> list[dict]:
    """Each media element of the page's main content: its tag and its box on screen."""
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].map((el) => {
          const box = el.getBoundingClientRect();
          return {tag: el.tagName.toLowerCase(), width: box.width, height: box.height,
                  src: el.currentSrc || el.src || ""};
        })""",
        MEDIA_SELECTOR,
    )


def _loaded(page: Any) -> None:
    """Wait until every audio and video element has read its file's metadata (or failed)."""
    page.wait_for_function(
        """(selector) => [...document.querySelectorAll(selector)]
          .filter((el) => el.tagName === "AUDIO" || el.tagName === "VIDEO")
          .every((el) => el.readyState >= 1 || el.error)""",
        arg=MEDIA_SELECTOR,
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_every_media_element_has_a_visible_size(citizen_page, media_site, width):
    page = citizen_page
    page.set_viewport_size({"width": width, "height": 800})
    expected = {"m1-image": "img", "m1-audio": "audio", "m1-video": "video"}
    for key in ITEMS:
        page.goto(f"/citizen/programs/{media_site['enrollment_id']}/items/{key}")
        _loaded(page)
        boxes = _media_boxes(page)
        assert [box["tag"] for box in boxes] == [expected[key]], (key, boxes)
        for box in boxes:
            assert box["width"] > 0 and box["height"] > 0, (
                f"{box['tag']} on {page.url} is drawn {box['width']}×{box['height']} px "
                f"at a {width} px wide window"
            )
            assert box["width"] <= width, (key, box)  # and it fits the window
        errors = page.evaluate(
            """(selector) => [...document.querySelectorAll(selector)]
              .filter((el) => el.error).map((el) => el.tagName + ": " + el.error.code)""",
            MEDIA_SELECTOR,
        )
        assert errors == [], f"media that did not load on {page.url}: {errors}"
        if width == WIDTHS[0]:
            assert_accessible(page)


def test_the_fixture_media_are_real_files(citizen_page, media_site):
    """The sizes above are of players with a file loaded: the image decodes, the sound and the
    film have a duration, the film has a picture size."""
    page = citizen_page
    base = f"/citizen/programs/{media_site['enrollment_id']}/items"
    page.goto(f"{base}/m1-image")
    assert page.evaluate("() => document.querySelector('main img').naturalWidth") == 48
    page.goto(f"{base}/m1-audio")
    _loaded(page)
    duration = page.evaluate("() => document.querySelector('main audio').duration")
    assert 0.9 < duration < 1.2, duration
    page.goto(f"{base}/m1-video")
    _loaded(page)
    assert page.evaluate("() => document.querySelector('main video').videoWidth") == 64
    assert re.search(
        r"/media/\d+$", page.evaluate("() => document.querySelector('main video').src")
    )

"""The media service API: storage and upload limits come from the caller, not from a request."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from sob_core import media
from sob_core.extensions import db
from sob_core.media import storage as storage_module
from sob_core.web.media import current_max_upload_bytes, current_storage

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def test_the_package_is_the_service_api():
    assert set(media.__all__) <= set(dir(media))
    for name in media.__all__:
        assert getattr(media, name) is getattr(storage_module, name)


def test_the_storage_is_the_apps_and_chosen_once(tmp_path):
    app = SimpleNamespace(extensions={}, config={"SOB_UPLOAD_DIR": tmp_path}, instance_path="/x")
    storage = media.get_storage(app)
    assert isinstance(storage, media.LocalStorage) and storage.root == tmp_path.resolve()
    assert media.get_storage(app) is storage
    other = SimpleNamespace(extensions={}, config={}, instance_path=str(tmp_path / "instance"))
    assert media.get_storage(other).root == (tmp_path / "instance" / "uploads").resolve()


@pytest.mark.parametrize(
    ("config", "limit"),
    [
        ({}, 200 * 1024 * 1024),
        ({"SOB_MAX_UPLOAD_MB": 1}, 1024 * 1024),
        ({"SOB_MAX_UPLOAD_MB": "0.5"}, 524288),
    ],
)
def test_the_upload_limit_comes_from_the_config_given(config, limit):
    assert media.max_upload_bytes(config) == limit


def test_the_web_passes_its_apps_storage_and_limit(app):
    app.config["SOB_MAX_UPLOAD_MB"] = 2
    with app.test_request_context():
        assert current_storage() is media.get_storage(app)
        assert current_max_upload_bytes() == 2 * 1024 * 1024


def test_checked_bytes_are_stored_once_and_read_back(app):
    storage = media.get_storage(app)
    media_type = media.check_upload(PNG, "bild.png", "image", media.max_upload_bytes(app.config))
    first = media.store_media(db.session, storage, PNG, filename="bild.png", media_type=media_type)
    again = media.store_media(db.session, storage, PNG, filename="kopia.png", media_type=media_type)
    assert again.id == first.id
    assert media.read_media(storage, first) == PNG
    with pytest.raises(media.UploadError) as refused:
        media.check_upload(PNG, "bild.jpg", "image", 10**6)
    assert refused.value.code == "mismatch"

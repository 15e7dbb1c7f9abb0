"""plotly.js is served small and cached long; the site icon exists."""

from __future__ import annotations

import gzip

from sob_core.web.vendor import plotly_path, plotly_version


def test_plotly_goes_out_gzip_compressed_to_browsers_that_accept_it(client):
    plain = plotly_path().read_bytes()
    response = client.get("/vendor/plotly.min.js", headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert len(response.data) < len(plain) / 2  # about 1.5 of 4.8 MB
    assert gzip.decompress(response.data) == plain
    plain_response = client.get("/vendor/plotly.min.js", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain_response.headers and plain_response.data == plain


def test_the_versioned_address_is_cached_for_a_year_and_revalidates(client):
    url = f"/vendor/plotly.min.js?v={plotly_version()}"
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    cache = response.cache_control
    assert cache.public and cache.max_age == 365 * 24 * 3600 and cache.immutable
    unversioned = client.get("/vendor/plotly.min.js").cache_control
    assert unversioned.max_age == 86400 and not unversioned.immutable
    again = client.get(
        url, headers={"Accept-Encoding": "gzip", "If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data
    response.close()

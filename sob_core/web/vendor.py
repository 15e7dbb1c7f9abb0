"""Files the pages need that are not the host's own templates: plotly.js and the site icon.

plotly.js comes from the installed ``plotly`` package, never from a CDN. It is 4.8 MB as shipped,
so it is served gzip-compressed to every browser that accepts it (about 1.5 MB on the wire), under
a URL that names the plotly version, with a year-long immutable cache: a citizen's phone downloads
it once per plotly upgrade, not once per chart.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

from flask import Flask, Response, request
from werkzeug.wrappers import Response as BaseResponse

from .access import public

YEAR = 365 * 24 * 60 * 60


@dataclass(frozen=True)
class _Compressed:
    plain: bytes
    gzipped: bytes
    etag: str


def plotly_path() -> Path:
    return Path(str(files("plotly") / "package_data" / "plotly.min.js"))


def plotly_version() -> str:
    return version("plotly")


@lru_cache(maxsize=2)
def _compressed(path: Path, mtime_ns: int) -> _Compressed:
    """The file and its gzip form, made once per process (per file version)."""
    plain = path.read_bytes()
    return _Compressed(
        plain=plain,
        gzipped=gzip.compress(plain, compresslevel=9, mtime=0),
        etag=hashlib.sha256(plain).hexdigest()[:32],
    )


@public
def plotly_js() -> BaseResponse:
    path = plotly_path()
    data = _compressed(path, path.stat().st_mtime_ns)
    accepts_gzip = "gzip" in request.headers.get("Accept-Encoding", "").lower()
    body = data.gzipped if accepts_gzip else data.plain
    response = Response(body, mimetype="text/javascript")
    if accepts_gzip:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.set_etag(data.etag + ("-gz" if accepts_gzip else ""))
    versioned = request.args.get("v") == plotly_version()
    response.cache_control.public = True
    response.cache_control.max_age = YEAR if versioned else 86400
    if versioned:
        response.cache_control.immutable = True
    return response.make_conditional(request)


@public
def favicon() -> BaseResponse:
    """The site icon (a small SVG, read into memory: no open file is left to the client)."""
    path = Path(__file__).resolve().parents[1] / "static" / "sob_core" / "favicon.svg"
    response = Response(path.read_bytes(), mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


def init_app(app: Flask) -> None:
    app.add_url_rule("/vendor/plotly.min.js", "plotly_js", plotly_js)
    app.add_url_rule("/favicon.ico", "favicon", favicon)
    app.jinja_env.globals["plotly_version"] = plotly_version

"""The host's blueprints: thin views over services."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import (
        admin,
        auth,
        citizen,
        design,
        fhir,
        media,
        messaging_ui,
        notices,
        preview,
        region,
        shell,
        staff,
        statement_count,
        vendor,
    )

    shell.init_app(app)
    statement_count.init_app(app)
    messaging_ui.init_app(app)
    vendor.init_app(app)
    for module in (auth, citizen, staff, admin, design, media, fhir, preview, notices, region):
        app.register_blueprint(module.bp)

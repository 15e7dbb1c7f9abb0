"""Administration of the active care unit: its permissions (roles, staff, the role log), its
citizen administration (banners, the overview of enrollments and events), installed plugins
and the notices' delivery log. Each page declares the role it needs."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_babel import lazy_gettext

from ...plugins import current_host
from ..access import require

bp = Blueprint("admin", __name__, url_prefix="/admin")

#: the kinds of registration the plugin host records (``plugins._REGISTRATIONS``), for people
KIND_LABELS = {
    "question type": lazy_gettext("Question type"),
    "scale": lazy_gettext("Scale"),
    "notification channel": lazy_gettext("Notification channel"),
    "login provider": lazy_gettext("Login provider"),
    "guardianship source": lazy_gettext("Guardianship source"),
    "setting": lazy_gettext("Setting"),
}


#: who reaches the administration's start page; it links to what each role may use
ADMIN_ROLES = {"permission_admin", "citizen_admin"}


@bp.route("/")
@require("staff", roles=ADMIN_ROLES, unit_scoped=True)
def start() -> str:
    return render_template("sob_core/admin/start.html")


@bp.route("/plugins")
@require("staff", roles={"permission_admin"}, unit_scoped=True)
def plugins() -> str:
    host = current_host()
    registry = host.registry
    provides: dict[str, list[str]] = {}
    for (kind, key), owner in sorted(registry.owners.items()):
        provides.setdefault(owner, []).append(f"{KIND_LABELS.get(kind, kind)}: {key}")
    return render_template(
        "sob_core/admin/plugins.html",
        plugins=sorted(host.plugins.values(), key=lambda p: p.name),
        provides=provides,
        disabled=current_app.config.get("SOB_DISABLED_PLUGINS", []),
    )


# these pages register on bp
from . import (  # noqa: E402,F401
    banners,
    data_purge,
    exports,
    guardians,
    notices,
    permissions,
    therapist_notice,
    unit_overview,
)

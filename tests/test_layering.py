"""Views never build querysets over tenant tables themselves: every look-up of a
citizen's or a municipality's data goes through a selector that takes the viewer
(DESIGN section 0 and 2). A view module that names a tenant model's manager fails
here: the access probe is no longer all that stands between a view and a leak."""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[1]
APPS = ("bip", "citizens", "interventions", "measurements", "reports")
# rows reached only through their round, batch or event: tenant data all the same
REACHED_THROUGH = {
    "Response",
    "Answer",
    "IndicatorScore",
    "SpellScoring",
    "CitizenLink",
    "ImportRow",
    "AuditEventCitizen",
}
MANAGERS = {"objects", "_default_manager", "_base_manager"}


def tenant_models() -> set[str]:
    names = set(REACHED_THROUGH)
    for model in apps.get_models():
        if model.__module__.split(".")[0] not in APPS:
            continue
        if any(f.name == "municipality" for f in model._meta.get_fields()):
            names.add(model.__name__)
    return names


def view_modules() -> list[Path]:
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            name = path.name
            if "migrations" in path.parts:
                continue
            if (
                name in ("views.py", "api.py")
                or name.endswith("_views.py")
                or "pages" in path.parts
            ):
                found.append(path)
    return sorted(found)


def manager_uses(path: Path, models: set[str]) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        f"{path.name}:{node.lineno} {node.value.id}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr in MANAGERS
        and isinstance(node.value, ast.Name)
        and node.value.id in models
    ]


def test_the_check_sees_the_tenant_models_and_the_views():
    models = tenant_models()
    assert {"Citizen", "Round", "Score", "Job", "ImportBatch", "Team"} <= models
    paths = {p.relative_to(ROOT).as_posix() for p in view_modules()}
    assert {
        "measurements/citizen_views.py",
        "citizens/views.py",
        "bip/pages/audit.py",
        "citizens/api.py",
    } <= paths


def test_no_view_module_touches_a_tenant_models_manager():
    models = tenant_models()
    found = [
        f"{path.parent.name}/{use}"
        for path in view_modules()
        for use in manager_uses(path, models)
    ]
    assert found == []


def test_the_check_finds_a_manager_in_a_view(tmp_path):
    view = tmp_path / "views.py"
    view.write_text(
        "from citizens.models import Citizen\n\n"
        "def leak(request):\n"
        "    return Citizen.objects.all()\n"
    )
    assert manager_uses(view, tenant_models()) == ["views.py:4 Citizen.objects"]

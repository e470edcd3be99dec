"""docker-compose.yml, the Dockerfile, .dockerignore, the Caddyfile and .env.example
fit together: what one declares, the others provide (no Docker engine needed)."""

from __future__ import annotations

import re

from tests.deploy import stack
from tests.deploy.test_settings import PRODUCTION_ENV, settings_variables

APP_SERVICES = ("migrate", "web", "worker", "beat")
SECRET_WORDS = ("PASSWORD", "SECRET", "KEY")


def test_services_and_images():
    services = stack.compose()["services"]
    assert set(services) == {
        "db",
        "redis",
        "migrate",
        "web",
        "worker",
        "beat",
        "proxy",
    }
    assert services["db"]["image"] == "postgres:15"  # as the test suite runs
    assert services["redis"]["image"] == "redis:7"
    assert services["proxy"]["image"] == "caddy:2"
    for name, service in services.items():
        if name == "migrate":
            assert service["restart"] == "no"  # one shot
            assert "healthcheck" not in service
        else:
            assert "healthcheck" in service, name
            assert service["restart"] == "unless-stopped", name
    for name in APP_SERVICES:
        assert services[name]["image"] == services["web"]["image"]  # one build


def test_commands():
    image = stack.dockerfile()
    assert stack.service("web").command == image.cmd
    assert image.cmd[0] == "gunicorn"
    assert stack.service("migrate").command == [
        "python",
        "manage.py",
        "migrate",
        "--noinput",
    ]
    assert "migrate" not in " ".join(stack.service("web").command)
    assert stack.service("worker").command[:4] == ["celery", "-A", "bip", "worker"]
    assert stack.service("beat").command[:4] == ["celery", "-A", "bip", "beat"]


def test_application_services_wait_for_the_migration():
    services = stack.compose()["services"]
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"] == {
            "db": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
            "migrate": {"condition": "service_completed_successfully"},
        }, name
    assert services["proxy"]["depends_on"] == {"web": {"condition": "service_healthy"}}


def test_web_and_worker_share_the_media_volume_the_image_prepares():
    compose = stack.compose()
    media_root = stack.service("web").environment["BIP_MEDIA_ROOT"]
    mounts = {}
    for name in ("web", "worker"):
        volumes = compose["services"][name]["volumes"]
        mounts[name] = {v.split(":")[0]: v.split(":")[1] for v in volumes}
        assert stack.service(name).environment["BIP_MEDIA_ROOT"] == media_root
    assert mounts["web"] == mounts["worker"] == {"media": media_root}
    assert "media" in compose["volumes"]
    image = stack.dockerfile()
    assert image.user == "bip"
    setup = " ".join(image.runs)
    assert f"mkdir -p {media_root}" in setup
    assert f"chown bip:bip {media_root}" in setup


def test_data_volumes():
    compose = stack.compose()
    services = compose["services"]
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert services["redis"]["command"][-2:] == ["--appendonly", "yes"]
    assert "redisdata:/data" in services["redis"]["volumes"]
    assert {"pgdata", "redisdata", "media", "caddy_data"} <= set(compose["volumes"])


def test_no_password_or_key_is_written_in_the_compose_file():
    compose = stack.compose()
    for name in compose["services"]:
        env = stack.service(name).environment
        for key, value in env.items():
            if any(word in key for word in SECRET_WORDS):
                assert key.endswith("_FILE"), f"{name}: {key}"
            assert not re.search(r"://[^/@\s]+:[^/@\s]+@", value), f"{name}: {key}"
        assert "DATABASE_URL" not in env, name


def test_secrets_come_from_files_under_secrets():
    compose = stack.compose()
    declared = compose["secrets"]
    for secret in declared.values():
        assert secret["file"].startswith("./secrets/")
    services = compose["services"]
    db_env = services["db"]["environment"]
    assert db_env["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db_password"
    assert "POSTGRES_PASSWORD" not in db_env
    assert services["db"]["secrets"] == ["db_password"]
    for name in APP_SERVICES:
        env = stack.service(name).environment
        for key, value in env.items():
            if key.endswith("_FILE"):
                secret = value.removeprefix("/run/secrets/")
                assert secret in services[name]["secrets"], (name, key)
                assert secret in declared, (name, key)
        # the seven the application requires: from a secret, the stack, or .env
        provided = {k.removesuffix("_FILE") for k in env}
        assert set(PRODUCTION_ENV) - provided == {"DJANGO_ALLOWED_HOSTS"}, name
        assert env["BIP_BEHIND_PROXY"] == "true"
    gitignore = (stack.ROOT / ".gitignore").read_text().splitlines()
    assert "secrets/*" in gitignore
    assert (stack.ROOT / "secrets" / "README.md").exists()
    written = re.findall(r"^write (\w+)", _make_secrets(), flags=re.M)
    assert set(written) == set(declared)


def _make_secrets() -> str:
    return (stack.ROOT / "scripts" / "make-secrets.sh").read_text()


def test_only_the_proxy_is_published_and_it_reaches_gunicorn():
    services = stack.compose()["services"]
    published = {n for n, s in services.items() if s.get("ports")}
    assert published == {"proxy"}
    assert services["proxy"]["ports"] == ["80:80", "443:443"]
    caddyfile = (stack.ROOT / "Caddyfile").read_text()
    port = stack.dockerfile().env["PORT"]
    assert f"reverse_proxy {{$BIP_UPSTREAM:web:{port}}}" in caddyfile
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in services["proxy"]["volumes"]
    # no request log: the citizen's link carries its token in the path
    assert not re.search(r"^\s*log\b", caddyfile, flags=re.M)
    assert "--access-logfile" not in stack.dockerfile().cmd


def test_web_health_check_is_the_scripted_request_to_gunicorn():
    check = stack.compose()["services"]["web"]["healthcheck"]["test"]
    assert check == ["CMD", "python", "scripts/healthcheck.py"]
    script = (stack.ROOT / "scripts" / "healthcheck.py").read_text()
    assert '"X-Forwarded-Proto": "https"' in script
    assert not stack.docker_ignored("scripts/healthcheck.py")


def test_the_image_leaves_local_and_secret_files_out():
    for path in (".env", "secrets/db_password", "var/.env", "var/demo.sqlite3"):
        assert stack.docker_ignored(path), path
    assert stack.docker_ignored(".git/HEAD")
    for path in ("manage.py", "bip/settings.py", "requirements.txt", "static"):
        assert not stack.docker_ignored(path), path


def test_env_example_lists_the_variables_compose_reads_apart():
    text = (stack.ROOT / ".env.example").read_text()
    _app, marker, compose_part = text.partition("# --- docker compose only")
    assert marker
    names = set(re.findall(r"^#? ?([A-Z0-9_]+)=", compose_part, flags=re.M))
    assert names == stack.interpolated_names()
    assert not names & settings_variables()

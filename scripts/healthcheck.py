"""The web container's health check (docker-compose.yml): GET /healthz from gunicorn
on this container, sent as the proxy sends it (the site's host name and
X-Forwarded-Proto: https), so neither the host check nor the HTTPS redirect fails a
healthy server. Standard library only; exit 0 when healthy."""

from __future__ import annotations

import http.client
import os
import sys
from pathlib import Path


def site_host() -> str:
    file_name = os.environ.get("DJANGO_ALLOWED_HOSTS_FILE")
    raw = (
        Path(file_name).read_text()
        if file_name
        else os.environ.get("DJANGO_ALLOWED_HOSTS", "")
    )
    hosts = [h.strip() for h in raw.split(",") if h.strip()]
    if not hosts or hosts[0] == "*":
        return "localhost"
    return hosts[0].lstrip(".")  # ".kommune.dk" allows the domain and subdomains


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request(
            "GET",
            "/healthz",
            headers={"Host": site_host(), "X-Forwarded-Proto": "https"},
        )
        response = conn.getresponse()
        body = response.read(500).decode(errors="replace")
    except OSError as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    if response.status != 200:
        print(f"unhealthy: HTTP {response.status} {body}", file=sys.stderr)
        return 1
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())

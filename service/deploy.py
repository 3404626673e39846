"""The nginx site in front of the workers, rendered from ``deploy/nginx/jiuyetong.conf.in``.

The template holds the shape (what nginx serves from disk, what it passes on, its limits and
headers); rendering fills in what depends on the machine and on the build: where the site
is, where the workers listen, the guides' moved addresses, and the site's
Content-Security-Policy, which names the hash of every inline script in *this* build (the
same value the service sends when it serves the site itself: ``middleware.site_csp``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .config import ROOT
from .middleware import site_csp, site_script_hashes

DEPLOY = ROOT / "deploy"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_HOST_PORT = re.compile(r"^[A-Za-z0-9.\-\[\]:]+:[0-9]{1,5}$|^unix:/[^\s;{}]+$")
_NAME = re.compile(r"^[A-Za-z0-9.\-*_]+$")


@dataclass(frozen=True)
class NginxSite:
    site_dir: Path
    upstreams: Sequence[str] = ("127.0.0.1:8000",)
    listen: str = "80"
    server_names: Sequence[str] = ("_",)
    access_log: str = "/var/log/nginx/jiuyetong.log"
    proxy_params: Path = DEPLOY / "nginx" / "proxy.conf"
    # TLS: listen like "443 ssl" and send HSTS (certificates are the bureau's: add
    # ssl_certificate lines in a file of your own included beside this one)
    hsts: bool = False
    submit_rate: str = "20r/s"
    submit_burst: int = 200
    # Connections one address may hold open. A fair's Wi-Fi puts hundreds of phones behind
    # one address, each opening up to six: 300 turned a rehearsal's crowd into 503s.
    conn_per_address: int = 2000
    moved: Mapping[str, str] = field(default_factory=dict)

    def render(self, template: Path = DEPLOY / "nginx" / "jiuyetong.conf.in") -> str:
        for upstream in self.upstreams:
            if not _HOST_PORT.match(upstream):
                raise ValueError(f"not host:port or unix:/path: {upstream!r}")
        for name in self.server_names:
            if not _NAME.match(name):
                raise ValueError(f"not a host name: {name!r}")
        if not (self.site_dir / "index.html").is_file():
            raise ValueError(f"the site is not built in {self.site_dir}: run `make site`")
        moved = []
        for old, new in sorted(self.moved.items()):
            if not (_SLUG.match(old) and _SLUG.match(new)):
                raise ValueError(f"not a guide's slug: {old!r} -> {new!r}")
            # rewrite keeps the query (?c= campaign codes), as the service's own 301 does
            moved.append(f"    rewrite ^/guides/{old}/?$ /guides/{new}/ permanent;")
        csp = site_csp(site_script_hashes(self.site_dir)).decode()
        values = {
            "UPSTREAM_SERVERS": "\n".join(f"    server {u} max_fails=0;" for u in self.upstreams),
            "LISTEN": f"    listen {self.listen};",
            "SERVER_NAMES": " ".join(self.server_names),
            "SITE_ROOT": str(self.site_dir.resolve()),
            "ACCESS_LOG": self.access_log,
            "PROXY_PARAMS": str(self.proxy_params.resolve()),
            "SITE_CSP": csp,
            "HSTS": "max-age=31536000" if self.hsts else "",
            "SUBMIT_RATE": self.submit_rate,
            "SUBMIT_BURST": str(self.submit_burst),
            "CONN_PER_ADDRESS": str(self.conn_per_address),
            "MOVED": "\n".join(moved) or "    # (none)",
        }
        text = template.read_text("utf-8")
        for key, value in values.items():
            text = text.replace(f"@{key}@", value)
        left = re.findall(r"@[A-Z_]+@", text)
        if left:
            raise ValueError(f"{template}: no value for {', '.join(sorted(set(left)))}")
        return text


def rehearsal_nginx(prefix: Path, site: NginxSite) -> Path:
    """A private nginx under ``prefix`` (its own pid, logs and temp directories) serving
    ``site``: the rehearsal's and the tests' front. Returns the main configuration file."""
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    (prefix / "jiuyetong.conf").write_text(site.render(), "utf-8")
    main = (DEPLOY / "nginx" / "rehearsal.conf.in").read_text("utf-8")
    conf = prefix / "nginx.conf"
    conf.write_text(main.replace("@PREFIX@", str(prefix.resolve())), "utf-8")
    return conf

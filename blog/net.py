"""Reader addresses, shortened before they are stored."""
from __future__ import annotations

import ipaddress


def shorten_address(raw: str | None) -> str:
    """Keep an IPv4 /24 or an IPv6 /48 network, never the full address."""
    if not raw:
        return ""
    try:
        ip = ipaddress.ip_address(raw.split(",")[0].strip())
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))

"""Reader addresses, shortened before they are stored."""
from __future__ import annotations

import ipaddress


def banned_network(text: str) -> str | None:
    """The network a ban on `text` (an address, or a network written with its prefix) holds, as comments keep
    their authors' (shorten_address): the /24 or /48 around it. None when `text` is neither."""
    text = text.strip()
    try:
        return shorten_address(str(ipaddress.ip_network(text, strict=False).network_address))
    except ValueError:
        return None


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

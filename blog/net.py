"""Reader addresses, shortened before they are stored, and the networks a ban holds."""
from __future__ import annotations

import ipaddress

# What a comment keeps of its author's address: the /24 (IPv4) or /48 (IPv6) network around it.
KEPT_PREFIX = {4: 24, 6: 48}
# The widest network a ban may hold: an operator's block, not a country (a /0 would ban every reader).
WIDEST_BAN_PREFIX = {4: 16, 6: 32}


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _too_wide(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    return network.prefixlen < WIDEST_BAN_PREFIX[network.version]


def banned_network(text: str) -> str | None:
    """The network a ban on `text` (an address, or a network written with its prefix) holds: an address or a
    narrower network gives the /24 or /48 around it, as comments keep their authors' (shorten_address); a wider
    one down to WIDEST_BAN_PREFIX is kept whole. None when `text` is neither, or wider than that."""
    network = _network(text)
    if network is None or _too_wide(network):
        return None
    kept = KEPT_PREFIX[network.version]
    return str(network.supernet(new_prefix=kept) if network.prefixlen > kept else network)


def too_wide_for_a_ban(text: str) -> bool:
    """Whether `text` is a network, but wider than a ban may hold."""
    network = _network(text)
    return network is not None and _too_wide(network)


def networks_holding(kept_address: str) -> list[str]:
    """The networks a ban may hold that contain `kept_address` (a comment's /24 or /48): itself and each wider
    one down to WIDEST_BAN_PREFIX, written as banned_network writes them (a ban matches by equality)."""
    network = _network(kept_address)
    if network is None:
        return []
    return [str(network.supernet(new_prefix=prefix))
            for prefix in range(network.prefixlen, WIDEST_BAN_PREFIX[network.version] - 1, -1)]


def shorten_address(raw: str | None) -> str:
    """Keep an IPv4 /24 or an IPv6 /48 network, never the full address."""
    if not raw:
        return ""
    try:
        ip = ipaddress.ip_address(raw.split(",")[0].strip())
    except ValueError:
        return ""
    return str(ipaddress.ip_network(f"{ip}/{KEPT_PREFIX[ip.version]}", strict=False))

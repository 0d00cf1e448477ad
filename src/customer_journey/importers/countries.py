"""Country names as exports spell them -> ISO 3166-1 alpha-2, as the raw contract's `customers.country` wants.

The names are those of the UCI Online Retail data sets (I and II) plus common spellings. A name
not listed here is written as given and reported; a two-letter value is taken as a code already.
"""

from __future__ import annotations

ISO_CODES: dict[str, str] = {
    "australia": "AU",
    "austria": "AT",
    "bahrain": "BH",
    "belgium": "BE",
    "bermuda": "BM",
    "brazil": "BR",
    "canada": "CA",
    "cyprus": "CY",
    "czech republic": "CZ",
    "czechia": "CZ",
    "denmark": "DK",
    "eire": "IE",
    "ireland": "IE",
    "finland": "FI",
    "france": "FR",
    "germany": "DE",
    "greece": "GR",
    "hong kong": "HK",
    "iceland": "IS",
    "israel": "IL",
    "italy": "IT",
    "japan": "JP",
    "korea": "KR",
    "south korea": "KR",
    "lebanon": "LB",
    "lithuania": "LT",
    "malta": "MT",
    "netherlands": "NL",
    "nigeria": "NG",
    "norway": "NO",
    "poland": "PL",
    "portugal": "PT",
    "rsa": "ZA",
    "south africa": "ZA",
    "saudi arabia": "SA",
    "singapore": "SG",
    "spain": "ES",
    "sweden": "SE",
    "switzerland": "CH",
    "thailand": "TH",
    "united arab emirates": "AE",
    "united kingdom": "GB",
    "uk": "GB",
    "usa": "US",
    "united states": "US",
}

# names that say "no country"
UNKNOWN_NAMES = frozenset({"", "unspecified", "unknown", "n/a"})


def iso_code(name: str) -> str | None:
    """The ISO alpha-2 code of `name`, None for "no country", else `name` unchanged (stripped)."""
    text = name.strip()
    key = text.lower()
    if key in UNKNOWN_NAMES:
        return None
    if key in ISO_CODES:
        return ISO_CODES[key]
    if len(text) == 2 and text.isalpha():
        return text.upper()
    return text


def is_mapped(name: str) -> bool:
    """True when `name` became a code (or "no country"), False when it is written as given."""
    text = name.strip()
    return text.lower() in UNKNOWN_NAMES or text.lower() in ISO_CODES or (len(text) == 2 and text.isalpha())

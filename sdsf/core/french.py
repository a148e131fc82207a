"""French grammar the pages need around place names."""

import unicodedata

VOWELS = "aeiouy"


def of(name: str) -> str:
    """« de » before a place name, elided or contracted as French writes it: « d'Aubervilliers »,
    « du Blanc-Mesnil » (Le), « des Lilas » (Les), « de La Courneuve », « de L'Île-Saint-Denis ».
    A name starting with an h is left as « de H… » (mute or aspirated h cannot be told apart)."""
    if name.startswith("Le "):
        return f"du {name[3:]}"
    if name.startswith("Les "):
        return f"des {name[4:]}"
    first = unicodedata.normalize("NFD", name[:1])[:1].lower()
    if first and first in VOWELS:
        return f"d'{name}"
    return f"de {name}"

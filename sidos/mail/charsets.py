"""Turning bytes of an unknown or wrongly declared charset into text."""

import codecs

import charset_normalizer

# Labels seen in real mail that Python does not know or knows under another name.
ALIASES = {
    "unknown-8bit": "",
    "x-unknown": "",
    "unknown": "",
    "x-user-defined": "",
    "default": "",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "x-mac-cyrillic": "mac-cyrillic",
    "utf8": "utf-8",
    # Mail that says Latin-1 is nearly always Windows-1252 (curly quotes, the euro sign in 0x80-0x9f).
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
}


def known_codec(label: str | None) -> str | None:
    if not label:
        return None
    name = label.strip().strip('"').lower()
    name = ALIASES.get(name, name)
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Best reading of data: UTF-8 when it is valid UTF-8, else the declared charset, else a guess.

    Valid multi-byte UTF-8 is strong evidence on its own, so it wins over a declaration (mail
    clients mislabel UTF-8 as Latin-1 more often than the reverse). A declared charset that fails to
    decode is ignored in favour of charset detection.
    """
    if data.isascii():
        return data.decode("ascii")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    codec = known_codec(declared)
    if codec and codec not in ("utf-8", "ascii"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    guess = charset_normalizer.from_bytes(data).best()
    if guess is not None:
        return str(guess)
    return data.decode("cp1252", errors="replace")


def decode_surrogates(value: str) -> str:
    """Header text parsed from bytes keeps undecodable 8-bit bytes as surrogate escapes."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return decode_bytes(value.encode("ascii", "surrogateescape"))

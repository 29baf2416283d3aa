"""winmail.dat: Outlook's TNEF wrapper (application/ms-tnef) opened into the files it carries.

Outlook sends it when "rich text" mail goes to a non-Exchange server; to anyone but Outlook it is an
opaque file, so an agent would see "winmail.dat" where the customer attached a receipt. Decoded with
tnefparse. What cannot be decoded (not TNEF after all, or TNEF that holds only a formatted body) is
kept as the winmail.dat it came as, so nothing the customer sent is lost.
"""

import logging
import mimetypes

from tnefparse import TNEF

TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}

log = logging.getLogger(__name__)


def is_tnef(content_type: str, filename: str) -> bool:
    return content_type in TNEF_TYPES or filename.lower() == "winmail.dat"


# Each TNEF attribute: level (1 byte), id (2), type (2), data length (4, little-endian), data, checksum (2).
_HEAD, _CHECKSUM = 9, 2


def _check_framing(content: bytes) -> None:
    """tnefparse reads a cut-off file without complaint and hands back the files' first bytes as the
    files; a cut-off winmail.dat must stay whole instead, so its attribute lengths are checked first."""
    offset = 6  # after the signature and the key
    while offset + _HEAD + _CHECKSUM <= len(content):
        length = int.from_bytes(content[offset + 5 : offset + 9], "little")
        end = offset + _HEAD + length + _CHECKSUM
        if end > len(content):
            raise ValueError(
                f"cut off: an attribute at byte {offset} needs {end} bytes, the file has {len(content)}"
            )
        offset = end


def files_in(content: bytes) -> list[tuple[str, str, bytes]]:
    """(name as sent, guessed content type, bytes) of each file inside; [] when there is none to take.

    Raises ValueError when the bytes are not TNEF or are cut off.
    """
    try:
        _check_framing(content)
        # Checksums off: Outlook versions disagree on them and a mismatch spoils nothing we use.
        parsed = TNEF(content, do_checksum=False)
    except (ValueError, IndexError, KeyError, UnicodeDecodeError) as error:
        raise ValueError(f"not a readable TNEF file: {error}") from error
    found = []
    for attachment in parsed.attachments:
        data = attachment.data or b""
        if not data:
            continue
        try:
            name = attachment.long_filename() or ""
            if isinstance(name, bytes):
                name = name.decode("utf-8", "replace")
            name = name.strip("\x00")
        except Exception:  # a broken name property: the file is still worth keeping
            name = ""
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        found.append((name, content_type, bytes(data)))
    return found

"""What staff may attach to a reply or note, from the ticket page and the API alike.

Size: the mail attachment limit, since what we accept we must also be able to send. Type: files that
run when opened on the customer's machine are refused, as the large mail services refuse them; the
name decides, because a browser's or client's content type is whatever it says.
"""

import mimetypes
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from sidos.mail.parsing import Attachment, sanitise_filename

MAX_FILES = 10
# After Gmail's list of blocked file types (executables, scripts, installers, shortcuts).
_BLOCKED = """
.ade .adp .apk .appx .bat .cab .chm .cmd .com .cpl .dll .dmg .exe .hta .ins .isp .iso .jar .js .jse .lib .lnk
.mde .msc .msi .msix .msp .mst .nsh .pif .ps1 .psm1 .reg .scr .sct .shb .sys .vb .vbe .vbs .vxd .wsc .wsf .wsh
"""
BLOCKED_EXTENSIONS = frozenset(_BLOCKED.split())


@dataclass(frozen=True)
class Upload:
    name: str  # as the client sent it
    size: int
    read: object  # () -> bytes


def clean_uploads(uploads: list[Upload]) -> tuple[list[Attachment], list[str]]:
    """The accepted files as mail Attachments with safe names, and one error per refused file."""
    limit = settings.SIDOS_MAIL_MAX_ATTACHMENT_BYTES
    if len(uploads) > MAX_FILES:
        return [], [_("At most %(count)d files at a time.") % {"count": MAX_FILES}]
    cleaned, errors = [], []
    for number, upload in enumerate(uploads, start=1):
        content_type = mimetypes.guess_type(upload.name or "")[0] or "application/octet-stream"
        name = sanitise_filename(upload.name or "", content_type, number)
        extension = ("." + name.rpartition(".")[2].lower()) if "." in name else ""
        if extension in BLOCKED_EXTENSIONS:
            errors.append(
                _("%(name)s: files of type %(extension)s cannot be attached (they run when opened).")
                % {"name": name, "extension": extension}
            )
        elif upload.size > limit:
            errors.append(
                _("%(name)s is too large (%(size)s; at most %(limit)s).")
                % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        else:
            cleaned.append(Attachment(name, content_type, upload.read()))
    return cleaned, errors


def from_django(files) -> list[Upload]:
    return [Upload(name=item.name or "", size=item.size, read=item.read) for item in files]

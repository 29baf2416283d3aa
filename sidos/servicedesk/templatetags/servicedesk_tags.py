import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


def duration_text(delta: dt.timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


@register.filter
def time_left(due: dt.datetime, now: dt.datetime) -> str:
    """'3 h 20 min left' or 'overdue by 2 h 5 min'."""
    if due is None:
        return ""
    left = due - now
    if left < dt.timedelta(0):
        return _("overdue by %(time)s") % {"time": duration_text(left)}
    return _("%(time)s left") % {"time": duration_text(left)}


@register.filter
def is_overdue(due: dt.datetime, now: dt.datetime) -> bool:
    return due is not None and due < now


@register.filter
def is_soon(due: dt.datetime, now: dt.datetime) -> bool:
    return due is not None and now <= due < now + dt.timedelta(hours=4)


@register.simple_tag
def countdown(due: dt.datetime | None, now: dt.datetime, paused: bool = False) -> str:
    """A countdown span the page's script keeps ticking; one tag, not an include, as the list has 50."""
    if paused:
        return format_html('<span class="countdown paused" data-paused>{}</span>', _("paused"))
    if due is None:
        return ""
    state = " overdue" if due < now else (" soon" if due < now + dt.timedelta(hours=4) else "")
    return format_html(
        '<span class="countdown{}" data-due="{}" title="{}">{}</span>',
        state,
        due.isoformat(),
        due.astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d %H:%M"),
        time_left(due, now),
    )

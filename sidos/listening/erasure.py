"""What the listening app holds about a customer (see sidos/privacy/registry.py).

- Social handles identify the person: deleted (with the customer row), and given to the erasure as
  identifiers, so the audit log ("social post by @handle linked") is cleaned of them too.
- Posts the person wrote (linked to the customer, or by one of their handles) are deleted, with the
  agents' corrections of them and other accounts' reshares of them (copies of the same words).
  Unlinking would not be enough: a public post's text, searched on its network, leads back to its
  author, and the stored copy keeps the author's handle, name, URL and the source's raw payload.
  The sentiment and topic reports then count those posts no more, which is what is stored. A model
  already trained with such a correction keeps its weights (they hold no text); the next training
  runs without it.
- Other people's posts that mention the person keep their place in the reports, but each handle and
  distinctive identifier (address, phone, full name) in their text becomes "[erased]", and their raw
  payload, which repeats the text and the mentions, is dropped.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sidos.listening.models import Post, PostCorrection, SocialHandle
from sidos.privacy.registry import DataKind, Erasure, Holder, LegalBasis, Purpose, register

ERASED = "[erased]"


def _spellings(handle: str) -> set[str]:
    """user@instance as stored, @user@instance, and @user: how a Mastodon mention on the same
    instance writes it."""
    spellings = {handle, f"@{handle}"}
    if "@" in handle:
        spellings.add("@" + handle.split("@", 1)[0])
    return spellings


def identifiers(customer) -> list[str]:
    handles = set(SocialHandle.objects.filter(customer=customer).values_list("handle", flat=True))
    return sorted({spelling for handle in handles for spelling in _spellings(handle)})


def _redact(text: str, needles: list[str]) -> str:
    lowered = text.lower()
    for needle in needles:  # longest first, so a full name goes before the handle inside it
        at = lowered.find(needle.lower())
        while at >= 0:
            text = text[:at] + ERASED + text[at + len(needle) :]
            lowered = text.lower()
            at = lowered.find(needle.lower(), at + len(ERASED))
    return text


def erase(erasure: Erasure) -> dict[str, int]:
    customer = erasure.customer
    handles = sorted(set(SocialHandle.objects.filter(customer=customer).values_list("handle", flat=True)))
    spellings = {spelling for handle in handles for spelling in _spellings(handle)}
    own = Q(customer=customer)
    for handle in handles:
        own |= Q(author_handle__iexact=handle) | Q(author_handle__iexact=f"@{handle}")
    # Another customer's post stays theirs, even if it names this handle as its author (a shared account).
    own_posts = Post.objects.filter(own).filter(Q(customer=customer) | Q(customer__isnull=True))
    own_ids = set(own_posts.values_list("pk", flat=True))
    own_ids.update(Post.objects.filter(reshare_of_id__in=own_ids).values_list("pk", flat=True))
    corrections = PostCorrection.objects.filter(post_id__in=own_ids).count()
    _total, by_model = Post.objects.filter(pk__in=own_ids).delete()

    needles = sorted({*spellings, *erasure.distinctive}, key=len, reverse=True)
    mentioning = Q()
    for needle in needles:
        mentioning |= (
            Q(text__icontains=needle)
            | Q(raw__icontains=needle)
            | Q(author_name__icontains=needle)
            | Q(url__icontains=needle)
        )
    mentions = (
        list(Post.objects.filter(mentioning).only("pk", "text", "author_name", "url")) if needles else []
    )
    for post in mentions:
        post.text, post.author_name = _redact(post.text, needles), _redact(post.author_name, needles)
        post.raw = {}
        if _redact(post.url, needles) != post.url:
            post.url = ""
    Post.objects.bulk_update(mentions, ["text", "author_name", "raw", "url"])
    return {
        "social_handles": len(handles),
        "posts": by_model.get("listening.Post", 0),
        "post_corrections": corrections,
        "mentions_redacted": len(mentions),
    }


register(
    Holder(
        app="listening",
        order=45,
        erase=erase,
        identifiers=identifiers,
        kinds=(
            DataKind(
                "listening.handles",
                _("The customer's social media handles"),
                (Purpose.SERVICE,),
                LegalBasis.LEGITIMATE_INTEREST,
                _("as long as the customer"),
                _("deleted"),
            ),
            DataKind(
                "listening.posts",
                _("Public social media posts by or about the customer, with sentiment and topics"),
                (Purpose.SERVICE, Purpose.ANALYTICS),
                LegalBasis.LEGITIMATE_INTEREST,
                _("as long as the listening reports are kept"),
                _("the customer's own posts deleted; their handle and name removed from others' posts"),
            ),
        ),
    )
)

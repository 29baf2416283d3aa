"""One Bluesky post to a PostRecord: a PostView (`app.bsky.feed.defs#postView`, as searchPosts returns
it) or a FeedViewPost (`{post, reason}`, as feeds return it; a reason of `#reasonRepost` is a repost)."""

from datetime import datetime
from typing import Any

from sidos.listening.connectors.base import PostRecord
from sidos.listening.connectors.fields import SkipItem, count, language, parse_time

REPOST_REASON = "app.bsky.feed.defs#reasonRepost"
WEB = "https://bsky.app"


def post_to_record(item: Any) -> PostRecord:
    if isinstance(item, dict) and isinstance(item.get("post"), dict):
        reason = item.get("reason") if isinstance(item.get("reason"), dict) else {}
        if reason.get("$type") == REPOST_REASON:
            return _repost(item["post"], reason)
        item = item["post"]
    post = _post(item)
    record = post["record"]
    author = post["author"]
    reply = record.get("reply") if isinstance(record.get("reply"), dict) else {}
    parent = reply.get("parent") if isinstance(reply.get("parent"), dict) else {}
    langs = record.get("langs") if isinstance(record.get("langs"), list) else []
    return PostRecord(
        external_id=post["uri"],
        text=post["text"],
        created_at=sort_at(post),
        author_handle=_handle(author),
        author_name=_string(author.get("displayName")) or _handle(author),
        url=post_url(post["uri"], author),
        lang=language(langs[0]) if langs else None,
        reply_to=_string(parent.get("uri")),
        like_count=count(post.get("likeCount")),
        reshare_count=count(post.get("repostCount")),
        raw=post,
    )


def sort_at(post: dict[str, Any]) -> datetime:
    """When the post happened as the AppView orders it: the earlier of the time its author claims
    (`record.createdAt`, which anyone can set, to the future too) and the time the network saw it."""
    record = post.get("record") if isinstance(post.get("record"), dict) else {}
    times = [t for t in (parse_time(record.get("createdAt")), parse_time(post.get("indexedAt"))) if t]
    if not times:
        raise SkipItem("no valid createdAt or indexedAt")
    return min(times)


def post_url(uri: str, author: dict[str, Any]) -> str:
    """at://DID/app.bsky.feed.post/RKEY -> https://bsky.app/profile/HANDLE/post/RKEY."""
    rkey = uri.rsplit("/", 1)[-1]
    return f"{WEB}/profile/{_handle(author) or uri.split('/')[2]}/post/{rkey}"


def _post(post: Any) -> dict[str, Any]:
    if not isinstance(post, dict):
        raise SkipItem("not a post")
    uri = _string(post.get("uri"))
    parts = uri.split("/")
    if not (uri.startswith("at://") and len(parts) == 5 and parts[3] == "app.bsky.feed.post" and parts[4]):
        raise SkipItem(f"not a post URI: {uri[:100]!r}")
    record = post.get("record")
    if not isinstance(record, dict):
        raise SkipItem("no record")
    if not isinstance(post.get("author"), dict):
        raise SkipItem("no author")
    # Bluesky text is plain text as typed (links and mentions are facets over it): nothing to unwrap.
    text = _string(record.get("text"))
    if not text:
        raise SkipItem("no text")
    return {**post, "uri": uri, "text": text, "record": record}


def _repost(post: Any, reason: dict[str, Any]) -> PostRecord:
    original = post_to_record(post)
    by = reason.get("by") if isinstance(reason.get("by"), dict) else {}
    when = parse_time(reason.get("indexedAt")) or original.created_at
    # Newer AppViews give the repost record's own URI; older ones only who reposted.
    external_id = _string(reason.get("uri")) or f"{original.external_id}#repost:{_string(by.get('did'))}"
    return PostRecord(
        external_id=external_id,
        text=original.text,
        created_at=when,
        author_handle=_handle(by),
        author_name=_string(by.get("displayName")) or _handle(by),
        url=original.url,
        lang=original.lang,
        reshare_of=original.external_id,
        like_count=original.like_count,
        reshare_count=original.reshare_count,
        raw={"post": original.raw, "reason": reason},
    )


def _handle(author: dict[str, Any]) -> str:
    handle = _string(author.get("handle"))
    # "handle.invalid" is what the AppView shows when a handle no longer verifies: the DID still does.
    return handle if handle and handle != "handle.invalid" else _string(author.get("did"))


def _string(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""

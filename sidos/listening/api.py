"""/api/v1/listening: thin over listening.actions, with the permissions of the staff pages.

Reads need listening.view_post; webcare work needs listening.work_webcare (plus the permission the page
asks for: customers.view_customer to link, servicedesk.add_ticket to make a ticket).
"""

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.errors import ValidationError
from pydantic.json_schema import SkipJsonSchema

from sidos.accounts.api import require_permission
from sidos.customers.models import Customer
from sidos.lib.apifields import DateTimeIn, Id, optional, responses, text
from sidos.lib.pagination import Pagination, page
from sidos.listening import actions, schemas
from sidos.listening.connectors.base import PostRecord
from sidos.listening.forms import SORTS, QueueFilterForm
from sidos.listening.models import Post, Sentiment, SourceKind
from sidos.listening.validation import InvalidRecord, clean
from sidos.listening.views import VIEW, WORK, queue_posts
from sidos.privacy import audit
from sidos.privacy.models import AuditAction

router = Router(tags=["listening"])


class PostFilters(Schema):
    label: Sentiment | SkipJsonSchema[None] = optional("the post's sentiment")
    topic: text(50) | SkipJsonSchema[None] = optional("a topic id of the taxonomy")
    lang: text(8) | SkipJsonSchema[None] = optional('fi, sv, nb, ru, en or "other"')
    source_id: Id | SkipJsonSchema[None] = optional()
    since: DateTimeIn | SkipJsonSchema[None] = optional("posted at or after")


class QueueFilters(Schema):
    status: text(10) | SkipJsonSchema[None] = optional(
        'new (the default), answered, ignored, ticket or "all"'
    )
    topic: text(50) | SkipJsonSchema[None] = optional()
    lang: text(8) | SkipJsonSchema[None] = optional()
    source_id: Id | SkipJsonSchema[None] = optional()
    sort: text(10) | SkipJsonSchema[None] = optional(
        f"{' or '.join(key for key, _label in SORTS)} (the default: fastest spreading first)"
    )


def _posts():
    return Post.objects.select_related("source")


def _post(id: int) -> Post:
    return get_object_or_404(Post.objects.select_related("source", "customer", "ticket"), pk=id)


@router.get("/posts", response=responses({200: schemas.PostPage}, 401, 403, 422))
def list_posts(request, filters: Query[PostFilters], pagination: Query[Pagination]):
    """Every stored post, newest first."""
    require_permission(request, VIEW)
    posts = _posts()
    if filters.label is not None:
        posts = posts.filter(sentiment=filters.label)
    if filters.topic:
        posts = posts.filter(topic_index__contains=f",{filters.topic.strip()},")
    if filters.lang:
        posts = posts.filter(lang=filters.lang)
    if filters.source_id is not None:
        posts = posts.filter(source_id=filters.source_id)
    if filters.since is not None:
        posts = posts.filter(posted_at__gte=filters.since)
    return page(posts.order_by("-posted_at", "-id"), pagination)


@router.post("/posts", response=responses({201: schemas.PostOut}, 400, 401, 403, 422))
def ingest(request, payload: schemas.PostIn):
    """Store one post through the same ingest as `sidos listening-ingest` (classified, linked by handle).
    A post already stored under the same source and external id is updated, not duplicated."""
    require_permission(request, WORK)
    record = PostRecord(**payload.model_dump(exclude={"source"}))
    try:
        clean(record)
    except InvalidRecord as error:
        # The same refusal as the file ingest, in the shape of every other 422: it names the field.
        raise ValidationError(
            [{"loc": ["body", "payload", error.field], "msg": error.reason, "type": "invalid_record"}]
        )
    source = actions.get_or_create_source(payload.source, SourceKind.FILE)
    summary = actions.ingest_records(source, [record])
    if summary.rejected:
        raise actions.ListeningError("; ".join(summary.problems) or "the post was refused", "text")
    post = _posts().get(source=source, external_id=record.external_id.strip())
    return Status(201, post)


@router.get("/posts/{id}", response=responses({200: schemas.PostOut}, 401, 403, 404, 422))
def detail(request, id: Id):
    require_permission(request, VIEW)
    post = _post(id)
    # The author's handle and words are personal data once the post is linked to a customer.
    audit.record(request.auth, AuditAction.VIEW, "post", post.pk, customer_id=post.customer_id, channel="api")
    return post


@router.get("/queue", response=responses({200: schemas.PostPage}, 400, 401, 403, 422))
def queue(request, filters: Query[QueueFilters], pagination: Query[Pagination]):
    """The webcare queue exactly as the staff page orders it: negative originals, new ones by default."""
    require_permission(request, VIEW)
    data = filters.model_dump(exclude_none=True)
    if "source_id" in data:
        data["source"] = data.pop("source_id")
    form = QueueFilterForm(data)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise actions.ListeningError(
            f"{field}: {' '.join(errors)}", "source_id" if field == "source" else field
        )
    return page(queue_posts(form), pagination)


@router.post(
    "/posts/{id}/correction", response=responses({201: schemas.CorrectionOut}, 400, 401, 403, 404, 422)
)
def correction(request, id: Id, payload: schemas.CorrectionIn):
    """Relabel the post (sentiment, topics or both); the next `listening-train` learns from it."""
    require_permission(request, WORK)
    post = _post(id)
    made = actions.relabel(request.auth, post, label=payload.label or "", topics=payload.topics)
    return Status(201, made)


@router.post("/posts/{id}/link", response=responses({200: schemas.PostOut}, 400, 401, 403, 404, 422))
def link(request, id: Id, payload: schemas.LinkIn):
    """Link the author to a customer; the handle is remembered, so the author's next posts link themselves."""
    require_permission(request, WORK)
    require_permission(request, "customers.view_customer")
    post = _post(id)
    customer = Customer.objects.filter(pk=payload.customer_id).first()
    if customer is None:
        raise actions.ListeningError(f"no customer #{payload.customer_id}", "customer_id")
    actions.link_customer(request.auth, post, customer)
    return _post(id)


@router.post("/posts/{id}/ticket", response=responses({201: schemas.TicketMadeOut}, 400, 401, 403, 404, 422))
def make_ticket(request, id: Id):
    """A service-desk ticket for the post (the post must be linked to a customer); again: the same ticket."""
    require_permission(request, WORK)
    require_permission(request, "servicedesk.add_ticket")
    post = _post(id)
    ticket = actions.make_ticket(request.auth, post)
    return Status(201, {"post_id": post.pk, "ticket_id": ticket.pk, "reference": ticket.reference})

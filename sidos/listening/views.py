"""Staff pages for webcare: the queue of negative posts and the post page with its actions.

Views check the login and the permission, then call an action. Post text comes from the internet: the
templates only ever print it auto-escaped.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sidos.customers.models import Customer
from sidos.customers.search import matching
from sidos.lib.paginator import CappedPaginator
from sidos.listening import actions, reports, suggest
from sidos.listening.forms import LinkForm, QueueFilterForm, RelabelForm
from sidos.listening.models import ORIGINALS, Post, Sentiment, WebcareStatus
from sidos.privacy import audit
from sidos.privacy.models import AuditAction

PAGE_SIZE = 50
VIEW = "listening.view_post"
WORK = "listening.work_webcare"


def queue_posts(form: QueueFilterForm):
    """Negative originals (reshares are counted on them, never listed), filtered and ordered."""
    posts = Post.objects.filter(ORIGINALS, sentiment=Sentiment.NEGATIVE)
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status") or WebcareStatus.NEW
    if status != "all":
        posts = posts.filter(status=status)
    if data.get("topic"):
        posts = posts.filter(topic_index__contains=f",{data['topic'].strip()},")
    if data.get("lang"):
        posts = posts.filter(lang=data["lang"])
    if data.get("source"):
        posts = posts.filter(source=data["source"])
    if data.get("sort") == "newest":
        posts = posts.order_by("-posted_at", "-id")
    else:
        posts = posts.order_by("-velocity", "-posted_at", "-id")
    return posts.select_related("source", "customer")


@login_required
@permission_required(VIEW, raise_exception=True)
def queue(request):
    form = QueueFilterForm(request.GET)
    page = CappedPaginator(queue_posts(form), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "listening/queue.html", {"form": form, "page": page})


def _post(pk: int) -> Post:
    return get_object_or_404(
        Post.objects.select_related("source", "customer", "ticket", "reshare_of", "answered_by"), pk=pk
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def post_detail(request, pk: int):
    post = _post(pk)
    # The author's handle and words are personal data once the post is linked to a customer.
    audit.record(request.user, AuditAction.VIEW, "post", pk, customer_id=post.customer_id)
    query = request.GET.get("q", "").strip()[:100]
    candidates = list(matching(Customer.objects.all(), query).order_by("pk")[:10]) if query else []
    score = suggest.current_score(post.customer)
    return render(
        request,
        "listening/post.html",
        {
            "post": post,
            "relabel": RelabelForm(initial={"label": post.sentiment, "topics": ", ".join(post.topics)}),
            "query": query,
            "candidates": candidates,
            "suggestion": suggest.suggest(post, score) if post.sentiment == Sentiment.NEGATIVE else None,
            "corrections": post.corrections.select_related("agent")[:20],
            "reshares": post.reshares.count(),
            "can_work": request.user.has_perm(WORK),
            "can_ticket": request.user.has_perm("servicedesk.add_ticket"),
        },
    )


def _done(request, post: Post, message: str):
    messages.success(request, message)
    return redirect(post.get_absolute_url())


def _refused(request, post: Post, error: actions.ListeningError):
    messages.error(request, str(error))
    return redirect(post.get_absolute_url())


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def relabel(request, pk: int):
    post = _post(pk)
    form = RelabelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a sentiment."))
        return redirect(post.get_absolute_url())
    actions.relabel(request.user, post, label=form.cleaned_data["label"], topics=form.topic_list())
    return _done(request, post, _("Correction saved; the next training run learns from it."))


@login_required
@permission_required(WORK, raise_exception=True)
@permission_required("customers.view_customer", raise_exception=True)
@require_POST
def link(request, pk: int):
    post = _post(pk)
    form = LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a customer."))
        return redirect(post.get_absolute_url())
    customer = get_object_or_404(Customer, pk=form.cleaned_data["customer"])
    actions.link_customer(request.user, post, customer)
    return _done(request, post, _("Linked to %(name)s.") % {"name": customer.display_name})


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def answer(request, pk: int):
    post = _post(pk)
    actions.mark_answered(request.user, post)
    return _done(request, post, _("Marked as answered."))


@login_required
@permission_required(WORK, raise_exception=True)
@require_POST
def set_status(request, pk: int):
    post = _post(pk)
    try:
        actions.set_status(request.user, post, request.POST.get("status", ""))
    except actions.ListeningError as error:
        return _refused(request, post, error)
    return _done(request, post, _("Status changed."))


@login_required
@permission_required(WORK, raise_exception=True)
@permission_required("servicedesk.add_ticket", raise_exception=True)
@require_POST
def make_ticket(request, pk: int):
    post = _post(pk)
    try:
        ticket = actions.make_ticket(request.user, post)
    except actions.ListeningError as error:
        return _refused(request, post, error)
    return _done(request, post, _("Ticket %(reference)s made.") % {"reference": ticket.reference})


@login_required
@permission_required(VIEW, raise_exception=True)
def report(request):
    return render(request, "listening/report.html", {"rows": reports.response_times(90), "days": 90})


@login_required
@permission_required(VIEW, raise_exception=True)
def dashboard(request):
    from sidos.analytics.charts import paired_bars
    from sidos.listening import dashboard as figures
    from sidos.listening.models import Source

    try:
        days = min(max(int(request.GET.get("days", 30)), 1), 366)
    except ValueError:
        days = 30
    by = "week" if request.GET.get("by") == "week" else "day"
    source = Source.objects.filter(pk=request.GET.get("source") or None).first()
    posts = figures.period_posts(days, source)
    timeline = figures.over_time(posts, by)
    chart = paired_bars(
        [row.key[5:] for row in timeline],
        [
            (_("All posts"), [row.total for row in timeline]),
            (_("Negative"), [row.negative for row in timeline]),
        ],
        title=_("Posts over time"),
    )
    return render(
        request,
        "listening/dashboard.html",
        {
            "days": days,
            "by": by,
            "source": source,
            "sources": Source.objects.all(),
            "timeline": timeline,
            "chart": chart,
            "topics": figures.by_topic(posts),
            "languages": figures.by_language(posts),
        },
    )

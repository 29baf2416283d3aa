"""Staff pages: the list of surveys, a survey's results, sending invitations and downloading the answers."""

import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sidos.campaigns.models import Segment
from sidos.customers.models import Customer, Stage
from sidos.privacy import audit
from sidos.privacy.models import AuditAction
from sidos.surveys import actions, exporting, results
from sidos.surveys.audience import audience
from sidos.surveys.models import InvitationStatus, Survey


class InviteForm(forms.Form):
    """Who to invite: a saved campaign segment (evaluated now), narrowed by stage and language if given."""

    segment = forms.ModelChoiceField(
        label=gettext_lazy("Segment"), required=False, queryset=Segment.objects.all(), empty_label="—"
    )
    stage = forms.ChoiceField(
        label=gettext_lazy("Relationship stage"), required=False, choices=[("", "—"), *Stage.choices]
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        required=False,
        choices=[("", "—"), ("fi", "suomi"), ("sv", "svenska"), ("en", "English")],
    )

    def customers(self):
        segment = self.cleaned_data.get("segment")
        customers = segment.customers() if segment else Customer.objects.all()
        if self.cleaned_data.get("stage"):
            customers = customers.filter(stage=self.cleaned_data["stage"])
        if self.cleaned_data.get("language"):
            customers = customers.filter(language__istartswith=self.cleaned_data["language"])
        return customers


@login_required
@permission_required("surveys.view_survey", raise_exception=True)
def survey_list(request):
    surveys = Survey.objects.annotate(
        response_count=Count("responses", distinct=True),
        invited_count=Count(
            "invitations",
            filter=Q(invitations__status__in=[InvitationStatus.SENT, InvitationStatus.ANSWERED]),
            distinct=True,
        ),
    )
    return render(request, "surveys/list.html", {"surveys": surveys})


@login_required
@permission_required("surveys.view_survey", raise_exception=True)
def survey_results(request, pk: int):
    survey = get_object_or_404(Survey, pk=pk)
    # Free-text answers name customers: reading them is a read of personal data.
    audit.record(request.user, AuditAction.VIEW, "survey.results", survey.pk, summary=survey.name)
    form = InviteForm(request.GET or None)
    eligible = None
    if form.is_bound and form.is_valid():
        eligible = audience(survey, form.customers()).count()
    context = {
        "survey": survey,
        "results": results.survey_results(survey, (get_language() or "en")[:2]),
        "form": form,
        "eligible": eligible,
        "can_send": request.user.has_perm("surveys.send_survey"),
        "can_export": request.user.has_perm("surveys.export_survey_answers"),
        "public_url": request.build_absolute_uri(f"/feedback/{survey.slug}/") if survey.public_form else "",
    }
    return render(request, "surveys/results.html", context)


@require_POST
@login_required
@permission_required("surveys.send_survey", raise_exception=True)
def survey_invite(request, pk: int):
    survey = get_object_or_404(Survey, pk=pk)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the audience."))
        return redirect("surveys:results", pk=pk)
    try:
        counts = actions.invite(request.user, survey, form.customers())
    except actions.SurveyError as error:
        messages.error(request, str(error))
    else:
        left_out = _("Invited %(sent)s customers; %(not_eligible)s left out.") % counts
        messages.success(request, left_out + " " + _("No consent, no e-mail address, or invited before."))
    return redirect("surveys:results", pk=pk)


@login_required
@permission_required("surveys.export_survey_answers", raise_exception=True)
def survey_export(request, pk: int):
    survey = get_object_or_404(Survey, pk=pk)
    kind = "json" if request.GET.get("format") == "json" else "csv"
    buffer = io.StringIO()
    count = (exporting.write_json if kind == "json" else exporting.write_csv)(survey, buffer)
    audit.record(
        request.user,
        AuditAction.EXPORT,
        "survey.answers",
        survey.pk,
        summary=f"exported {count} answers of {survey.name}",
    )
    response = HttpResponse(
        buffer.getvalue(), content_type="application/json" if kind == "json" else "text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.slug}.{kind}"'
    return response

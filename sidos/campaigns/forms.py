"""Staff forms: the segment editor (one field per filter) and the campaign editor (three languages)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from sidos.analytics.rfm import Segment as RfmSegment
from sidos.campaigns.models import Language, Segment
from sidos.campaigns.segments import CHURN_BANDS, VALUE_CLASSES
from sidos.customers.models import CustomerKind, Stage

LIST_TEXT = {"country", "language", "city", "tags_any", "tags_all", "tags_none"}
MULTI = {"stage", "rfm_segment", "churn_risk", "value_class"}
NUMBERS = {"orders_min", "orders_max", "last_order_within_days", "no_order_within_days"}
MONEY = {"revenue_min", "revenue_max"}


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


class SegmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Type"), choices=[("", _("Any")), *CustomerKind.choices], required=False)
    country = forms.CharField(label=_("Countries"), required=False, help_text=_("e.g. FI, SE"))
    language = forms.CharField(label=_("Languages"), required=False, help_text=_("e.g. fi, sv"))
    city = forms.CharField(label=_("Cities"), required=False)
    stage = forms.MultipleChoiceField(
        label=_("Relationship stage"),
        choices=Stage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tags_any = forms.CharField(label=_("Has any of the tags"), required=False)
    tags_all = forms.CharField(label=_("Has all of the tags"), required=False)
    tags_none = forms.CharField(label=_("Has none of the tags"), required=False)
    rfm_segment = forms.MultipleChoiceField(
        label=_("RFM segment"),
        choices=RfmSegment.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    churn_risk = forms.MultipleChoiceField(
        label=_("Churn risk"),
        choices=[
            (band, {"low": _("Low"), "medium": _("Medium"), "high": _("High")}[band]) for band in CHURN_BANDS
        ],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    churn_flagged = forms.NullBooleanField(
        label=_("On the early-warning list"),
        required=False,
        widget=forms.Select(choices=[("unknown", _("Any")), ("true", _("Yes")), ("false", _("No"))]),
    )
    value_class = forms.MultipleChoiceField(
        label=_("Value class"),
        choices=[
            (name, {"top": _("Top"), "middle": _("Middle"), "low": _("Low")}[name]) for name in VALUE_CLASSES
        ],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    orders_min = forms.IntegerField(label=_("At least this many orders"), required=False, min_value=0)
    orders_max = forms.IntegerField(label=_("At most this many orders"), required=False, min_value=0)
    revenue_min = forms.DecimalField(label=_("Revenue at least"), required=False, min_value=0)
    revenue_max = forms.DecimalField(label=_("Revenue at most"), required=False, min_value=0)
    last_order_within_days = forms.IntegerField(label=_("Ordered within days"), required=False, min_value=0)
    no_order_within_days = forms.IntegerField(label=_("No order within days"), required=False, min_value=0)

    @classmethod
    def for_segment(cls, segment: Segment):
        initial = {"name": segment.name}
        for field, value in segment.definition.items():
            initial[field] = ", ".join(value) if field in LIST_TEXT else value
        return cls(initial=initial)

    def definition(self) -> dict:
        """The filters as the JSON definition segments.validate() takes (after is_valid())."""
        data = self.cleaned_data
        definition: dict = {}
        for field in LIST_TEXT:
            if _split(data.get(field) or ""):
                definition[field] = _split(data[field])
        for field in MULTI:
            if data.get(field):
                definition[field] = list(data[field])
        for field in NUMBERS:
            if data.get(field) is not None:
                definition[field] = data[field]
        for field in MONEY:
            if data.get(field) is not None:
                definition[field] = str(data[field])
        if data.get("kind"):
            definition["kind"] = data["kind"]
        if data.get("churn_flagged") is not None:
            definition["churn_flagged"] = data["churn_flagged"]
        return definition


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    segment = forms.ModelChoiceField(label=_("Segment"), queryset=Segment.objects.all())
    control_share = forms.DecimalField(
        label=_("Control group share"),
        min_value=0,
        max_value=0.5,
        initial="0.1",
        decimal_places=3,
        help_text=_("Share of the audience held out and not mailed, e.g. 0.1"),
    )
    conversion_days = forms.IntegerField(
        label=_("Conversion window, days"), min_value=1, max_value=365, initial=14
    )
    from_email = forms.CharField(label=_("Sender"), required=False, max_length=320)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code in Language.values:
            self.fields[f"{code}_subject"] = forms.CharField(
                label=_("Subject"), required=False, max_length=300
            )
            self.fields[f"{code}_subject_b"] = forms.CharField(
                label=_("Subject B (A/B test)"),
                required=False,
                max_length=300,
                help_text=_(
                    "Optional: half of the mailed group gets this subject; the report names the winner."
                ),
            )
            self.fields[f"{code}_html"] = forms.CharField(
                label=_("HTML part"), required=False, widget=forms.Textarea(attrs={"rows": 6})
            )
            self.fields[f"{code}_text"] = forms.CharField(
                label=_("Text part"), required=False, widget=forms.Textarea(attrs={"rows": 5})
            )

    def languages(self):
        return [
            (label, [self[f"{code}_{part}"] for part in ("subject", "subject_b", "html", "text")])
            for code, label in Language.choices
        ]

    @classmethod
    def initial_for(cls, campaign) -> dict:
        initial = {
            "name": campaign.name,
            "segment": campaign.segment_id,
            "control_share": campaign.control_share,
            "conversion_days": campaign.conversion_days,
            "from_email": campaign.from_email,
        }
        for variant in campaign.variants.all():
            for part in ("subject", "subject_b", "html", "text"):
                initial[f"{variant.language}_{part}"] = getattr(variant, part)
        return initial

    def variants(self) -> dict:
        data = self.cleaned_data
        return {
            code: {
                part: data.get(f"{code}_{part}") or "" for part in ("subject", "subject_b", "html", "text")
            }
            for code in Language.values
        }


class TestSendForm(forms.Form):
    address = forms.EmailField(label=_("Send a test to"))

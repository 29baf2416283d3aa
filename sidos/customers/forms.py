"""Forms of the staff web app: they validate what people type; the actions in actions.py do the writing."""


from django import forms
from django.utils.translation import gettext_lazy as _

from sidos.customers.models import ConsentChannel, ConsentPurpose, Customer, CustomerKind, ImportKind, Stage
from sidos.customers.search import has_tag, results

# Every sort keeps `id` as a tie-breaker so pages never overlap; name uses the customer_list_order index.
SORTS = {
    "name": ("search_name", "id"),
    "-name": ("-search_name", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}
CONSENT_FILTER = {"yes": True, "no": False, "unknown": None}
# The web import runs inside the request (see views_import.py), so it takes files that finish in seconds.
WEB_IMPORT_MAX_MB = 20


class CustomerFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("Any stage")), *Stage.choices]
    )
    tag = forms.CharField(label=_("Tag"), required=False, max_length=100)
    country = forms.CharField(label=_("Country"), required=False, max_length=2)
    consent = forms.ChoiceField(
        label=_("Marketing consent"),
        required=False,
        choices=[("", _("Any")), ("yes", _("Yes")), ("no", _("No")), ("unknown", _("Unknown"))],
    )
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any type")), *CustomerKind.choices]
    )
    sort = forms.ChoiceField(required=False, choices=[(key, key) for key in SORTS])

    def customers(self):
        """The filtered, ordered list (see search.results); invalid filter values are ignored rather than
        failing the page."""
        self.is_valid()
        data = self.cleaned_data  # holds only the fields that validated
        columns = {}  # the plain column filters, which the tag index carries too
        if data.get("stage"):
            columns["stage"] = data["stage"]
        if data.get("kind"):
            columns["kind"] = data["kind"]
        if data.get("country"):
            columns["country"] = data["country"].strip().upper()
        if data.get("consent"):
            columns["marketing_email_consent"] = CONSENT_FILTER[data["consent"]]
        queryset = Customer.objects.filter(**columns)
        if data.get("tag"):
            queryset = queryset.filter(has_tag(data["tag"]))
        ordered = queryset.order_by(*SORTS[data.get("sort") or "name"])
        return results(ordered, data.get("q") or "", tag=data.get("tag") or "", columns=columns)

    def is_filtered(self) -> bool:
        return any(self.data.get(name) for name in ("q", "stage", "tag", "country", "consent", "kind"))



def _tags_text(tags) -> str:
    return ", ".join(tags or [])


class CustomerForm(forms.Form):
    """The profile fields staff edit; labels and limits come from the model, normalisation from actions."""

    external_id = forms.CharField(label=_("customer id"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("type"), choices=CustomerKind.choices)
    first_name = forms.CharField(label=_("first name"), required=False, max_length=100)
    last_name = forms.CharField(label=_("last name"), required=False, max_length=100)
    name = forms.CharField(label=_("organisation name"), required=False, max_length=200)
    email = forms.CharField(label=_("e-mail"), required=False, max_length=254)
    phone = forms.CharField(label=_("phone"), required=False, max_length=32)
    street = forms.CharField(label=_("street"), required=False, max_length=200)
    postal_code = forms.CharField(label=_("postal code"), required=False, max_length=20)
    city = forms.CharField(label=_("city"), required=False, max_length=100)
    country = forms.CharField(
        label=_("country"), required=False, max_length=2, help_text=_("Two-letter ISO code, such as FI.")
    )
    language = forms.CharField(
        label=_("language"), required=False, max_length=8, help_text=_("Language code, such as fi or en.")
    )
    birth_date = forms.DateField(
        label=_("birth date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    stage = forms.ChoiceField(
        label=_("relationship stage"), required=False, choices=[("", "—"), *Stage.choices]
    )
    tags = forms.CharField(
        label=_("tags"), required=False, max_length=1000, help_text=_("Separate tags with commas.")
    )
    attributes = forms.CharField(
        label=_("custom attributes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: name = value."),
    )

    @classmethod
    def for_customer(cls, customer: Customer, data=None):
        initial = {name: getattr(customer, name) for name in cls.base_fields}
        initial["tags"] = _tags_text(customer.tags)
        initial["attributes"] = "\n".join(f"{key} = {value}" for key, value in customer.attributes.items())
        initial["external_id"] = customer.external_id or ""
        return cls(data, initial=initial)

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        has_name = cleaned.get("first_name") or cleaned.get("last_name") or cleaned.get("name")
        if kind and not (has_name or cleaned.get("email") or cleaned.get("phone")):
            raise forms.ValidationError(_("Give at least a name, an e-mail address or a phone number."))
        return cleaned

    def clean_attributes(self) -> dict:
        attributes = {}
        for number, line in enumerate(self.cleaned_data["attributes"].splitlines(), start=1):
            if not line.strip():
                continue
            key, separator, value = line.partition("=")
            if not separator or not key.strip():
                raise forms.ValidationError(
                    _("Line %(number)s is not of the form name = value."), params={"number": number}
                )
            attributes[key.strip()] = value.strip()
        return attributes

    def profile(self) -> dict:
        """cleaned_data in the shape create_customer/update_customer take."""
        return dict(self.cleaned_data)


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=ConsentChannel.choices)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    granted = forms.TypedChoiceField(
        label=_("Consent"),
        choices=[("yes", _("Granted")), ("no", _("Withdrawn"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=300,
        help_text=_("How the customer told us, for example “phone call”."),
    )


class MergeForm(forms.Form):
    keep = forms.TypedChoiceField(label=_("Keep"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args, customers: list[Customer], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [(customer.pk, str(customer)) for customer in customers]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=ImportKind.choices,
        widget=forms.RadioSelect,
        initial=ImportKind.CUSTOMERS,
    )
    create_customers = forms.BooleanField(
        label=_("Create missing customers"),
        required=False,
        help_text=_("Orders only: a customer_id that is not known yet creates a customer."),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run"),
        required=False,
        help_text=_("Check the file and show what would happen, without saving anything."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > WEB_IMPORT_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(
                _(
                    "The file is larger than %(size)s MB. Import it on the server with the command "
                    "`sidos import-customers` or `sidos import-orders`."
                ),
                params={"size": WEB_IMPORT_MAX_MB},
            )
        return upload

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sidos.servicedesk.models import (
    CannedResponse,
    Channel,
    Priority,
    Queue,
    Status,
    TicketType,
)

ANY = [("", _("Any"))]


def agents():
    """Staff who may work on tickets: the assignee choices."""
    users = get_user_model().objects.filter(is_active=True)
    perm = Q(
        groups__permissions__codename="change_ticket",
        groups__permissions__content_type__app_label="servicedesk",
    )
    return users.filter(perm | Q(is_superuser=True)).distinct().order_by("username")


class TicketFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open")), ("all", _("All")), *Status.choices],
    )
    queue = forms.ModelChoiceField(label=_("Queue"), queryset=Queue.objects.none(), required=False)
    priority = forms.ChoiceField(label=_("Priority"), required=False, choices=ANY + Priority.choices)
    assignee = forms.ChoiceField(
        label=_("Assignee"),
        required=False,
        choices=[("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody"))],
    )

    def __init__(self, *args, queues=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["queue"].queryset = queues if queues is not None else Queue.objects.none()


class UpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    ticket_type = forms.ChoiceField(label=_("Type"), choices=TicketType.choices)
    queue = forms.ModelChoiceField(label=_("Queue"), queryset=Queue.objects.none())
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=get_user_model().objects.none(), required=False
    )
    tags = forms.CharField(label=_("Tags"), required=False, max_length=500, help_text=_("comma-separated"))
    order = forms.ModelChoiceField(label=_("Order"), queryset=None, required=False)

    def __init__(self, *args, queues=None, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["queue"].queryset = queues
        self.fields["assignee"].queryset = agents()
        # Only the ticket's own customer's orders, newest first.
        self.fields["order"].queryset = customer.orders.order_by("-ordered_at", "-id") if customer else None

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        data["tags"] = [tag for tag in data["tags"].replace(";", ",").split(",") if tag.strip()]
        return data


class BulkForm(forms.Form):
    tickets = forms.ModelMultipleChoiceField(queryset=None, error_messages={"required": _("Select tickets.")})
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", "—"), *Status.choices])
    priority = forms.ChoiceField(label=_("Priority"), required=False, choices=[("", "—"), *Priority.choices])
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)

    def __init__(self, *args, tickets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tickets"].queryset = tickets
        self.fields["assignee"].choices = [("", "—"), ("none", _("Nobody"))] + [
            (str(user.pk), user.get_username()) for user in agents()
        ]

    def changes(self) -> dict:
        data = self.cleaned_data
        changes = {key: data[key] for key in ("status", "priority") if data.get(key)}
        if data.get("assignee") == "none":
            changes["assignee"] = None
        elif data.get("assignee"):
            changes["assignee"] = agents().get(pk=int(data["assignee"]))
        return changes


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Any number of files (none too); cleaned into sidos.mail.parsing.Attachment with safe names."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        from sidos.servicedesk.uploads import clean_uploads, from_django

        uploads = data if isinstance(data, list | tuple) else [data] if data else []
        cleaned, errors = clean_uploads(from_django(uploads))
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000)
    status = forms.ChoiceField(
        label=_("Then set status"),
        required=False,
        choices=[
            ("", _("Keep")),
            (Status.WAITING, Status.WAITING.label),
            (Status.RESOLVED, Status.RESOLVED.label),
        ],
    )
    files = AttachmentsField(label=_("Attach files"))


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=20000
    )
    files = AttachmentsField(label=_("Attach files"))


class PhoneTicketForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(label=_("What the customer said"), widget=forms.Textarea(attrs={"rows": 5}))
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(c.value, c.label) for c in (Channel.PHONE, Channel.EMAIL, Channel.SOCIAL)],
    )
    ticket_type = forms.ChoiceField(label=_("Type"), choices=TicketType.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    queue = forms.ModelChoiceField(label=_("Queue"), queryset=Queue.objects.none())
    name = forms.CharField(label=_("Customer name"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)

    def __init__(self, *args, queues=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["queue"].queryset = queues

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("phone"):
            raise forms.ValidationError(_("Give the customer's e-mail address or phone number."))
        return data


class MergeForm(forms.Form):
    duplicate = forms.CharField(label=_("Merge this ticket into it"), max_length=20, help_text="SD-000123")


class CannedResponseForm(forms.ModelForm):
    class Meta:
        model = CannedResponse
        fields = ["title", "body", "queue"]
        help_texts = {"body": _("Placeholders: {first_name}, {last_name}, {name}, {reference}")}


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Your e-mail address"))
    ticket_type = forms.ChoiceField(label=_("About"), choices=TicketType.choices)
    subject = forms.CharField(label=_("Subject"), max_length=300)
    message = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000)
    # A honeypot: hidden from people by CSS, filled by bots that fill every field.
    website = forms.CharField(required=False, label=_("Leave this empty"))


class CsatForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from sidos.listening.models import Sentiment, Source, WebcareStatus

SORTS = [("spreading", _("Most spreading first")), ("newest", _("Newest first"))]


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("New")), *WebcareStatus.choices[1:], ("all", _("All"))],
    )
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    lang = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[
            ("", _("Any")),
            ("fi", "suomi"),
            ("sv", "svenska"),
            ("nb", "norsk"),
            ("ru", "русский"),
            ("en", "English"),
            ("other", _("Other")),
        ],
    )
    source = forms.ModelChoiceField(
        label=_("Source"), required=False, queryset=Source.objects.all(), empty_label=_("Any")
    )
    sort = forms.ChoiceField(label=_("Order"), required=False, choices=SORTS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", _("Any")), *topic_choices()]


def topic_choices() -> list[tuple[str, str]]:
    """The configured taxonomy's topics, named in the reader's language."""
    from sidos.listening import topics

    taxonomy = topics.load()
    lang = (translation.get_language() or "en")[:2]
    names = {topic.id: topic.label(lang) for topic in taxonomy.topics}
    return [(topic_id, names.get(topic_id, topic_id)) for topic_id in taxonomy.ids]


class RelabelForm(forms.Form):
    label = forms.ChoiceField(label=_("Sentiment"), choices=Sentiment.choices)
    topics = forms.CharField(
        label=_("Topics"), required=False, max_length=400, help_text=_("Comma-separated topic names")
    )

    def topic_list(self) -> list[str]:
        return [part.strip() for part in self.cleaned_data["topics"].split(",") if part.strip()]


class LinkForm(forms.Form):
    customer = forms.IntegerField(min_value=1)

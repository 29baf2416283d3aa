"""Surveys are written in the Django admin: the survey, then its questions inline."""

from django.contrib import admin

from sidos.surveys.models import Question, Survey


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    fields = [
        "position",
        "kind",
        "required",
        "text",
        "choices",
        "scale_min",
        "scale_max",
        "min_label",
        "max_label",
    ]


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "trigger", "public_form", "created_at"]
    list_filter = ["status", "trigger"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [QuestionInline]

"""User text inside a sentence of another direction: ``{{ name|bdi }}`` isolates it, so
an Arabic name cannot reorder a German sentence (or a Latin name an Arabic one)."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def bdi(value):
    return format_html("<bdi>{}</bdi>", value)

"""Cases at one centre (tenant schema). Filled in by the delegation issue."""

from django.db import models


class Placeholder(models.Model):
    note = models.CharField(max_length=10)

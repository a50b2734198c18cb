"""The counter's e-card check page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from sbk.core.errors import ServiceError

from . import services


@login_required
def verify(request):
    """GET shows the form; POST checks a scanned code (audited, so never on GET)."""
    ecard, error = None, None
    if request.method == "POST":
        try:
            ecard = services.verify_qr(request.POST.get("token", ""), acting_user=request.user)
        except ServiceError as exc:
            error = exc
    return render(request, "ecard/verify.html", {"ecard": ecard, "error": error})

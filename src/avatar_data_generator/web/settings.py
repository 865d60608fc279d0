"""The team's default bio settings: everyone reads them, admins change them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from avatar_data_generator import accounts, auth, tasks
from avatar_data_generator.generation.bio_settings import PLATFORM_LIMITS
from avatar_data_generator.web import errors, forms

bp = Blueprint("settings", __name__)
errors.register(bp)


def _save(settings: dict[str, Any], errors_: dict[str, str]) -> bool:
    """Store the settings, or note why not beside the field."""
    try:
        tasks.save_bio_settings(settings)
    except tasks.TaskInputError as exc:
        errors_[forms.form_field(exc.field)] = exc.reason
        return False
    return True


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def index() -> Any:
    """The saved default bio settings: everyone reads them, admins change them."""
    errors_: dict[str, str] = {}
    if request.method == "POST":
        if not auth.is_admin():
            abort(403, description="Only admins can change the team's default bio settings.")
        settings, values = forms.parse_bio_form(request.form, errors_)
        forms.check_bio_form(settings, errors_)
        if not errors_ and _save(settings, errors_):
            flash("Default bio settings saved.", "success")
            return redirect(url_for("settings.index"))
    else:
        values = forms.bio_form_values(tasks.saved_bio_settings())
    return render_template(
        "settings.html",
        values=values,
        errors=errors_,
        platforms=PLATFORM_LIMITS,
        genders=forms.GENDER_CHOICES,
        bounds=forms.BOUNDS,
        choices=forms.choices(),
        can_edit=auth.is_admin(),
        admins=accounts.admin_names(),
    )

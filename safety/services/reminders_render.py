"""The daily digest's words: subject, reason and day labels, text and HTML.

Rendering happens between the pass's read and write transactions, once per
language per pass (see :func:`digest_labels`). Re-exported by
:mod:`safety.services.reminders`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from safety.services.reminders_plan import ALL_REASONS, Item, Recipient

# --- rendering ---------------------------------------------------------------


def reason_label(reason: str) -> str:
    labels = {
        "accountable": _("accountable: you hold the accountable post"),
        "vacant": _("superior: the accountable post is vacant"),
        "superior": _("superior: you hold the accountable post's superior post"),
        "supervision": _("supervision: your post supervises this unit"),
        "no_email": _("superior: a holder of the post below has no usable email address"),
        "admin": _("administrator: nobody holds the accountable post or a post above it"),
        "holder": _("you hold the post"),
        "approver": _("approval: you hold main responsibility for the hazard's unit"),
        "manager": _("you manage the hazards of this unit"),
        "countersign": _("you hold the superior post: countersign the agreement"),
    }
    return labels.get(reason, reason)


def days_text(days: int | None) -> str:
    """ "3 days overdue", "due today", "2 days left" (``days`` as stored on items)."""
    if days is None:
        return ""
    if days > 0:
        return ngettext("%(num)d day overdue", "%(num)d days overdue", days)
    if days == 0:
        return _("due today")
    return ngettext("%(num)d day left", "%(num)d days left", -days)


def days_label(item: Item) -> str:
    if item.kind in ("unsigned", "agreement_unsigned"):
        return _("not signed yet")
    return days_text(item.days)


def digest_subject(items: list[Item]) -> str:
    hazards = [i for i in items if i.object_type == "hazard"]
    overdue = sum(1 for i in hazards if i.kind == "overdue")
    soon = len(hazards) - overdue
    others = len(items) - len(hazards)
    if not hazards:
        return ngettext(
            "Safety reminder: %(num)d item to do", "Safety reminder: %(num)d items to do", others
        )
    subject = _(
        "Safety reminder: %(overdue)d overdue, %(soon)d due soon", overdue=overdue, soon=soon
    )
    if len(hazards) == 1:
        subject += " — " + hazards[0].number
    if others:
        subject += ngettext(", %(num)d other item", ", %(num)d other items", others)
    return subject


@dataclass
class RenderedDigest:
    recipient: Recipient
    items: list[Item]
    subject: str
    text: str
    html: str


def digest_labels() -> dict[str, str]:
    """Every fixed string of the digest templates, in the current locale.

    Looked up once per language per pass, not once per line: Flask-Babel's
    per-call overhead dominated rendering thousands of digests.
    """
    return {
        "hello": _("Hello %(name)s,"),
        "intro": _("Your safety reminders for %(date)s:"),
        "hazards": _("Hazards"),
        "number": _("Number"),
        "title": _("Title"),
        "unit": _("Unit"),
        "deadline": _("Deadline"),
        "status": _("Status"),
        "why": _("Why you are told"),
        "also": _("Also to do"),
        "footer": _(
            "You receive at most one reminder email a day. Your reminders are also listed at "
            "%(url)s"
        ),
    }


def render_digests(recipients: list[Recipient], today: date) -> list[RenderedDigest]:
    """Subject, text and HTML of each digest, in each recipient's language."""
    env = current_app.jinja_env
    text_template = env.get_template("email/digest.txt")
    html_template = env.get_template("email/digest.html")
    base_url = current_app.config["BASE_URL"].rstrip("/")
    by_locale: dict[str, list[Recipient]] = defaultdict(list)
    for recipient in recipients:
        by_locale[recipient.locale].append(recipient)
    rendered: dict[int, RenderedDigest] = {}
    for locale, group in by_locale.items():
        with force_locale(locale):
            labels = digest_labels()
            reasons = {reason: reason_label(reason) for reason in ALL_REASONS}
            whens: dict[tuple[str, int | None], str] = {}
            for recipient in group:
                items = recipient.sorted_items()
                rows = []
                for item in items:
                    key = (item.kind, item.days)
                    if key not in whens:
                        whens[key] = days_label(item)
                    rows.append(
                        {
                            "item": item,
                            "why": reasons.get(item.reason, item.reason),
                            "when": whens[key],
                            "what": _what(item) if item.object_type != "hazard" else item.title,
                        }
                    )
                context = {
                    "labels": labels,
                    "recipient": recipient,
                    "today": today,
                    "hazard_rows": [r for r in rows if r["item"].object_type == "hazard"],
                    "other_rows": [r for r in rows if r["item"].object_type != "hazard"],
                    "base_url": base_url,
                }
                rendered[recipient.user_id] = RenderedDigest(
                    recipient,
                    items,
                    digest_subject(items),
                    text_template.render(context),
                    html_template.render(context),
                )
    return [rendered[r.user_id] for r in recipients]


def kind_labels() -> dict[str, str]:
    """Labels of the digest lines' kinds added by the other duties (major steps, agreements)."""
    return {
        "plan_approval": _("rectification plan to approve"),
        "authority_report": _("report to the authority"),
        "write_off": _("write-off to record"),
        "agreement_unsigned": _("responsibility agreement not signed"),
    }


def _what(item: Item) -> str:
    if item.object_type == "responsibility_list":
        return _(
            "Responsibility list to sign: %(post)s (%(version)s)",
            post=item.title,
            version=item.number,
        )
    if item.object_type == "inspection_plan":
        return _("Inspection due: %(checklist)s, %(unit)s", checklist=item.title, unit=item.unit)
    if item.object_type.startswith("major_"):
        return _major_step(item)
    if item.object_type == "agreement":
        return _(
            "Safety responsibility agreement to sign: %(post)s (%(year)s)",
            post=item.title,
            year=item.number,
        )
    if item.object_type == "risk_control":
        return _(
            "Control check due: %(control)s, at %(point)s", control=item.title, point=item.unit
        )
    return item.title


def _major_step(item: Item) -> str:
    """A major hazard's step waiting, as a digest line says it."""
    if item.object_type == "major_approval":
        return _(
            "Major hazard %(number)s waits for the approval of its rectification plan: %(title)s",
            number=item.number,
            title=item.title,
        )
    if item.object_type == "major_report":
        return _(
            "Major hazard %(number)s is not yet reported to the authority: %(title)s",
            number=item.number,
            title=item.title,
        )
    return _(
        "Major hazard %(number)s waits for the authority's write-off (核销): %(title)s",
        number=item.number,
        title=item.title,
    )

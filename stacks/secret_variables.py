"""Channel addresses kept out of the code: sensitive Terraform variables supplied at plan time.

A channel with ``secret: true`` gets a variable named after its contact and channel; people set
it as ``TF_VAR_<name>`` or in an untracked ``*.auto.tfvars`` file. Terraform checks the value's
shape itself (``validation``), since this code never sees it.
"""

from __future__ import annotations

import re

# Terraform-side checks of a secret address; the full checks apply to addresses in the file.
ADDRESS_PATTERNS = {
    "EMAIL": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    "SMS": r"^\+[1-9][0-9]{6,14}$",
    "VOICE": r"^\+[1-9][0-9]{6,14}$",
}
ADDRESS_WORDS = {
    "EMAIL": "an e-mail address",
    "SMS": "a phone number in E.164 form: +, country code and number, no spaces",
    "VOICE": "a phone number in E.164 form: +, country code and number, no spaces",
}


def address_variable(alias: str, channel: str) -> str:
    """``incident-responder`` + ``incident responder email`` ->
    ``incident_responder__incident_responder_email`` (usable as a shell variable name)."""

    def clean(text: str) -> str:
        return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")

    return f"{clean(alias)}__{clean(channel)}"

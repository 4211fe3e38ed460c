"""Found by trying the demo from outside (issue 11 review).

The enrolment key of a role that must enrol was the same at every sign-in until confirmed: whoever
knew the password (the admin who set the initial one, say) could sign in once, note the key
without confirming it, and hold the very secret the user enrolled later, unnoticed. Each sign-in
must show a new key; reloading the page within one sign-in keeps it."""

from __future__ import annotations

from tests.auth.test_mfa import SECRET_RE, password_step


def _enrolment_key(client) -> str:
    return SECRET_RE.search(client.get("/mfa/enrol").text).group(1)


def test_each_sign_in_shows_a_new_enrolment_key(app, make_user):
    user = make_user("auditor")
    peeker, owner = app.test_client(), app.test_client()
    password_step(peeker, user)
    peeked = _enrolment_key(peeker)
    assert _enrolment_key(peeker) == peeked  # a reload within the same sign-in keeps it

    password_step(owner, user)
    assert _enrolment_key(owner) != peeked

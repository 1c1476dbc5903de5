"""The product's password hasher (PBKDF2-SHA256, Django's default) with a work factor
for tests: the same algorithm, salt and format, verified the same way, at a thousandth
of the cost. A million rounds make a moderator, an organiser or a login take a third of
a second; hundreds of tests create one, and none of them is about the work factor.

The servers the tests start as processes (tests/live.py) run the product's settings and
hash with its full work factor."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class QuickPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1_000

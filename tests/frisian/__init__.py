"""A test plugin for a Frisian-speaking municipality that is in none of the source documents.

Written from the docs alone (issue 15's "must hold" test): a quarterly check-in, a career
conversation every three years from the hire date with a career coach (the manager optional),
an exit conversation when someone leaves, a hybrid-working theme and 10-year retention. The
plugin is data (``cycle.json``, ``forms/``) plus the retention profile in :mod:`.plugin`.
"""

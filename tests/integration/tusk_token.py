# SPDX-License-Identifier: BSD-3-Clause
"""tusk_token.py: the bearer token the integration tests' clients send.

tuskd refuses HTTP requests without a token ([auth] mode required, the
default). lib.sh mints one for each lab (every activity on the whole
data root) and exports it as TUSK_TOKEN; the Python helpers that talk
HTTP to tuskd import this module and put FIELD into their request heads.
An empty TUSK_TOKEN gives an empty FIELD (a request without a token).
"""

import os

TOKEN = os.environ.get("TUSK_TOKEN", "")
# "Authorization: Bearer ...\r\n", or "" without a token.
FIELD = "Authorization: Bearer %s\r\n" % TOKEN if TOKEN else ""
FIELD_B = FIELD.encode("ascii")

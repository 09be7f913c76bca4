"""A real SMTP server for kinlink-mail's tests, on aiosmtpd.

    python smtp_sink.py PORT LOG [USER:PASSWORD]

Listens on 127.0.0.1:PORT and appends every message it accepts to LOG as one JSON line: the
envelope, the login used (if any), and how Python's e-mail parser reads the message (see
mail_record.py: the headers in order, the decoded text body, each part with its bytes).
Recipients at reject-permanent.example are refused with 550 and at reject-transient.example with
451, so the tests can see both kinds of failure. With USER:PASSWORD, AUTH is offered (over plain
text: the tests run on loopback only) and only that login is accepted; without it, AUTH is not
offered. Runs until killed.
"""

import asyncio
import json
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from mail_record import record as read


class Sink:
    def __init__(self, log_path):
        self.log_path = log_path

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        domain = address.rpartition("@")[2]
        if domain == "reject-permanent.example":
            return "550 5.1.1 No such mailbox"
        if domain == "reject-transient.example":
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "login": session.auth_data.login.decode() if session.authenticated else None,
            **read(envelope.original_content),
        }
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")
        return "250 Message accepted"


def authenticator_for(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode()
            and auth_data.password == password.encode()
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    return authenticate


async def main():
    port, log_path = int(sys.argv[1]), sys.argv[2]
    options = {}
    if len(sys.argv) > 3:
        user, _, password = sys.argv[3].partition(":")
        options = {
            "authenticator": authenticator_for(user, password),
            "auth_require_tls": False,
        }
    handler = Sink(log_path)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.test", **options), "127.0.0.1", port
    )
    await server.serve_forever()


asyncio.run(main())

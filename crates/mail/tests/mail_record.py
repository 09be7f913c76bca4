"""How Python's e-mail parser reads a message: what kinlink-mail's tests assert on.

    python mail_record.py FILE

prints the record of the message in FILE as one JSON line. smtp_sink.py keeps the same record
for each message it receives, so the SMTP and the .eml paths are checked through one parser
that shares no code with lettre.
"""

import json
import sys
from email import policy
from email.parser import BytesParser


def record(raw):
    """The headers in order, the plain-text body (decoded), every leaf part in order with its
    type, parameters, disposition, file name and decoded bytes (a list of integers, so that any
    byte survives JSON), and whatever the parser found wrong with the MIME structure."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    text = message.get_body(preferencelist=("plain",))
    return {
        "headers": [[name, str(value)] for name, value in message.items()],
        "content_type": message.get_content_type(),
        "charset": message.get_content_charset(),
        "body": text.get_content() if text is not None else None,
        "parts": [
            {
                "content_type": part.get_content_type(),
                "params": dict((part.get_params() or [])[1:]),
                "transfer_encoding": header(part, "Content-Transfer-Encoding"),
                "disposition": part.get_content_disposition(),
                "filename": part.get_filename(),
                "bytes": list(part.get_payload(decode=True)),
            }
            for part in message.walk()
            if not part.is_multipart()
        ],
        "defects": [type(d).__name__ for part in message.walk() for d in part.defects],
        "raw": raw.decode("ascii", "replace"),
    }


def header(part, name):
    value = part.get(name)
    return None if value is None else str(value)


if __name__ == "__main__":
    with open(sys.argv[1], "rb") as file:
        print(json.dumps(record(file.read())))

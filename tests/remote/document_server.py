"""An https server on 127.0.0.1 with a self-signed certificate, serving client ID metadata documents (and whatever
else a test puts at a path), counting the requests each path gets."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.support import self_signed_certificate


@dataclass
class Answer:
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})


@dataclass
class DocumentServer:
    base_url: str
    ca_file: str  # the certificate to trust (it is its own CA)
    answers: dict[str, Answer] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    drip: dict[str, float] = field(default_factory=dict)  # path: seconds between the body's bytes

    def url(self, path: str) -> str:
        return self.base_url + path

    def put_document(self, path: str, document: dict[str, Any], **headers: str) -> str:
        self.answers[path] = Answer(
            json.dumps(document).encode(), headers={"Content-Type": "application/json", **headers}
        )
        return self.url(path)


@contextmanager
def document_server(folder: Path) -> Iterator[DocumentServer]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert_file, key_file = folder / "documents-cert.pem", folder / "documents-key.pem"
    cert_file.write_bytes(self_signed_certificate(key, "127.0.0.1", ip="127.0.0.1"))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    served: DocumentServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.hits[self.path] += 1
            answer = served.answers.get(self.path, Answer(b"not found", 404, {"Content-Type": "text/plain"}))
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            pause = served.drip.get(self.path)
            if pause is None:
                self.wfile.write(answer.body)
                return
            try:
                for byte in answer.body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(pause)
            except OSError:  # the client gave up
                pass

        def log_message(self, format: str, *args: Any) -> None:  # stderr stays quiet
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    served = DocumentServer(f"https://127.0.0.1:{httpd.server_address[1]}", str(cert_file))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)

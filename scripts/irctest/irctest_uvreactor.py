"""irctest controller for uvreactor-server --protocol irc.

irctest (the IRC server test suite, github progval/irctest) drives a server
through a module like this one: `--controller irctest_uvreactor` with this
folder on PYTHONPATH and UVR_SERVER naming the binary (scripts/irctest.sh
does both). Features the server does not have are declared here, so their
tests are skipped with the feature's name rather than failed.

With UVR_IRCTEST_TLS=1 every client connects over TLS: the server listens
with --tls-listen only, on a certificate for 127.0.0.1 made here by
openssl, and irctest's client wraps its socket in TLS right after it
connects, verifying that certificate and its name (irctest's own starttls()
checks nothing).
"""

import os
import socket
import ssl
import subprocess
import time
from typing import Optional, Set, Type

from irctest import client_mock
from irctest.basecontrollers import (
    BaseServerController,
    DirectoryBasedController,
    NotImplementedByController,
)

TLS = os.environ.get("UVR_IRCTEST_TLS") == "1"
_client_context: Optional[ssl.SSLContext] = None  # set by run(), one server per process


def _tls_connect(self: client_mock.ClientMock, hostname: str, port: int) -> None:
    """ClientMock.connect, then a verified TLS handshake on the same socket."""
    _plain_connect(self, hostname, port)
    assert _client_context is not None, "no TLS server was started"
    self.conn = _client_context.wrap_socket(self.conn, server_hostname="127.0.0.1")
    self.ssl = True


_plain_connect = client_mock.ClientMock.connect
if TLS:
    client_mock.ClientMock.connect = _tls_connect  # type: ignore[assignment]


class UvreactorController(BaseServerController, DirectoryBasedController):
    software_name = "uvreactor"
    supported_sasl_mechanisms: Set[str] = set()
    supports_sts = False

    def run(
        self,
        hostname: str,
        port: int,
        *,
        password: Optional[str],
        ssl: bool,
        run_services: bool,
        faketime: Optional[str],
    ) -> None:
        if ssl and not TLS:
            raise NotImplementedByController("TLS (run with UVR_IRCTEST_TLS=1)")
        if run_services:
            raise NotImplementedByController("services (NickServ, account registration)")
        assert self.proc is None
        self.port = port
        self.hostname = hostname
        self.create_config()
        host = "127.0.0.1" if hostname in ("localhost", "") else hostname
        listen = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        args = [
            os.environ.get("UVR_SERVER", "uvreactor-server"),
            "--protocol", "irc",
            *(self.tls_arguments(listen) if TLS else ["--listen", listen]),
            "--irc-server-name", "My.Little.Server",
            "--irc-flood", "0",  # the suite sends bursts; flood control is tested apart
            "--irc-oper", "operuser:operpassword",
            "--shutdown-timeout", "0",  # the suite stops the server with clients still on
            "--log-level", "error",
        ]
        if password:
            args += ["--irc-password", password]
        self.proc = self.execute(args)

    def tls_arguments(self, listen: str) -> list:
        """A key and certificate for 127.0.0.1, and the clients' context trusting it."""
        global _client_context
        assert self.directory
        key, cert = self.directory / "tls.key", self.directory / "tls.pem"
        subprocess.run(
            [self.openssl_bin or "openssl", "req", "-x509", "-newkey", "ec",
             "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(key),
             "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        _client_context = ssl.create_default_context(cafile=str(cert))
        return ["--tls-listen", listen, "--tls-cert", str(cert), "--tls-key", str(key)]

    def wait_for_port(self) -> None:
        """irctest's check, over TLS: a handshake and QUIT, not plaintext."""
        if not TLS:
            return super().wait_for_port()
        started_at = time.time()
        while not self.port_open:
            self.check_is_alive()
            time.sleep(self._port_wait_interval)
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1.0) as raw:
                    assert _client_context is not None
                    with _client_context.wrap_socket(raw, server_hostname="127.0.0.1") as c:
                        c.sendall(b"QUIT :chkport\r\n")
                        data = b""
                        while b"ERROR" not in data:
                            more = c.recv(4096)
                            if not more:
                                break
                            data += more
                self.port_open = True
            except OSError:  # refused, reset, timed out, or a TLS error
                if time.time() - started_at >= 60:
                    raise


def get_irctest_controller_class() -> Type[UvreactorController]:
    return UvreactorController

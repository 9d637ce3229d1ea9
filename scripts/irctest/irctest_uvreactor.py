"""irctest controller for uvreactor-server --protocol irc.

irctest (the IRC server test suite, github progval/irctest) drives a server
through a module like this one: `--controller irctest_uvreactor` with this
folder on PYTHONPATH and UVR_SERVER naming the binary (scripts/irctest.sh
does both). Features the server does not have are declared here, so their
tests are skipped with the feature's name rather than failed.
"""

import os
from typing import Optional, Set, Type

from irctest.basecontrollers import (
    BaseServerController,
    DirectoryBasedController,
    NotImplementedByController,
)


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
        if ssl:
            raise NotImplementedByController("TLS")
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
            "--listen", listen,
            "--irc-server-name", "My.Little.Server",
            "--irc-flood", "0",  # the suite sends bursts; flood control is tested apart
            "--irc-oper", "operuser:operpassword",
            "--shutdown-timeout", "0",  # the suite stops the server with clients still on
            "--log-level", "error",
        ]
        if password:
            args += ["--irc-password", password]
        self.proc = self.execute(args)


def get_irctest_controller_class() -> Type[UvreactorController]:
    return UvreactorController

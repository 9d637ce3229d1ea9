#include "support/TlsPeers.hpp"

#include "support/TestCertificates.hpp"

#include <thread>

namespace uvreactor::test {
namespace {

constexpr const char* kScript = R"PY(
import socket, ssl, sys, time
host, port, mode = sys.argv[1].strip('[]'), int(sys.argv[2]), sys.argv[3]
opts = dict(a.split('=', 1) for a in sys.argv[4:])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
if 'ca' in opts:
    ctx.load_verify_locations(opts['ca'])
else:
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
if opts.get('version') == '1.2':
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
if opts.get('version') == '1.3':
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
if 'cert' in opts:
    ctx.load_cert_chain(opts['cert'], opts['key'])
if 'alpn' in opts:
    ctx.set_alpn_protocols(opts['alpn'].split(','))
raw = socket.create_connection((host, port), timeout=20)
s = ctx.wrap_socket(raw, server_hostname=opts.get('name', 'localhost'), suppress_ragged_eofs=False)
print(s.version(), s.cipher()[0], s.selected_alpn_protocol(), flush=True)

def pattern(n):
    unit = bytes(range(251))  # a prime period: shifted or lost bytes show
    return (unit * (n // 251 + 1))[:n]

if mode == 'echo':
    msg = opts.get('msg', 'hello over tls\n').encode()
    s.sendall(msg)
    got = b''
    while len(got) < len(msg):
        chunk = s.recv(65536)
        if not chunk:
            sys.exit('eof before the echo')
        got += chunk
    if got != msg:
        sys.exit('echo differs')
    print('echoed', flush=True)
    s.unwrap()
    print('unwrapped', flush=True)
elif mode == 'bulk':
    # One thread, nonblocking: an SSL object must not be read and written
    # from two threads at once.
    import select
    data = pattern(int(opts['bytes']))
    s.setblocking(False)
    sent, got = 0, bytearray()
    deadline = time.time() + 50
    while len(got) < len(data) and time.time() < deadline:
        want_write = sent < len(data)
        r, w, _ = select.select([s], [s] if want_write else [], [], 1.0)
        if w or want_write:
            try:
                sent += s.send(data[sent:sent + 65536])
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                pass
        while True:
            try:
                chunk = s.recv(1 << 20)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                break
            if not chunk:
                sys.exit('eof after %d bytes' % len(got))
            got += chunk
    if bytes(got) != data:
        sys.exit('bulk echo differs: got %d of %d bytes' % (len(got), len(data)))
    print('bulk ok', len(got), flush=True)
    s.setblocking(True)
    s.unwrap()
elif mode == 'resume':
    # msg= (after which the server may reload), then a second connection
    # that offers the ticket the first one got: prints "reused" or "new".
    msg = opts.get('msg', 'first\n').encode()
    s.sendall(msg)
    got = b''
    while len(got) < len(msg):
        got += s.recv(65536)
    session = s.session
    s.unwrap()
    s.close()
    raw = socket.create_connection((host, port), timeout=20)
    s = ctx.wrap_socket(raw, server_hostname=opts.get('name', 'localhost'), session=session)
    s.sendall(b'again\n')
    s.recv(100)
    print('reused' if s.session_reused else 'new', flush=True)
    s.unwrap()
elif mode == 'truncate':
    s.sendall(b'cut\n')
    s.recv(100)
    s.shutdown(socket.SHUT_WR)  # a bare FIN: SSLSocket.shutdown skips close_notify
    s.settimeout(5)
    try:
        while s.recv(100):
            pass
    except OSError:
        pass
    print('truncated', flush=True)
elif mode == 'noread':
    s.sendall(b'flood\n')
    time.sleep(float(opts.get('sleep', '3')))
elif mode == 'wait':
    try:
        while s.recv(65536):
            pass
        print('close_notify', flush=True)
    except ssl.SSLEOFError:
        print('ragged eof', flush=True)
)PY";

std::string scriptPath() {
  static const std::string path = writeTestFile("tls_client.py", kScript);
  return path;
}

}  // namespace

std::vector<std::string> pythonTlsCommand(const Endpoint& at, const std::string& mode,
                                          const std::vector<std::string>& options) {
  std::vector<std::string> argv{"/usr/bin/python3", scriptPath(), at.host(),
                                std::to_string(at.port()), mode};
  argv.insert(argv.end(), options.begin(), options.end());
  return argv;
}

ProcessResult runPythonTls(const Endpoint& at, const std::string& mode,
                           const std::vector<std::string>& options, int timeoutSeconds) {
  return runProgram(pythonTlsCommand(at, mode, options), "", std::chrono::seconds(timeoutSeconds));
}

ProcessResult runSClient(const Endpoint& at, const std::string& version, const std::string& caFile,
                         const std::string& input) {
  return runProgram(
      {"/usr/bin/openssl", "s_client", "-connect", at.toString(), "-tls" + version, "-CAfile",
       caFile, "-verify_return_error", "-servername", "localhost", "-quiet"},
      input, std::chrono::seconds(20));
}

std::vector<std::string> sClientCommand(const Endpoint& at, const std::string& caFile) {
  return {"/usr/bin/openssl",
          "s_client",
          "-connect",
          at.toString(),
          "-CAfile",
          caFile,
          "-quiet",
          "-nocommands",
          "-servername",
          "localhost",
          "-verify_return_error"};
}

bool waitForOutput(const ChildProgram& program, const std::string& text, std::size_t times,
                   std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::string out = program.out();
    std::size_t found = 0;
    for (std::size_t at = out.find(text); at != std::string::npos; at = out.find(text, at + 1))
      ++found;
    if (found >= times) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace uvreactor::test

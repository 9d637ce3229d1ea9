// ircload: IRC fan-out load generator and verifier (one process, epoll).
//
// Usage: ircload -p PORT -c CLIENTS [-r ROOMS] [-t SECONDS] [-s BYTES]
//                [-S SERVER_PID] [-O NAME:PASS] [-w WINDOW]
// Prints one line of key=value figures on stdout.
//
// Setup (nonblocking, at most WINDOW clients at a time, default 64, so a
// small listen backlog is not overrun): client i registers as "c<i>" and
// joins "#r<i % ROOMS>"; it is set up once it has read the end of NAMES
// (366). With -O it first sends OPER NAME PASS and "MODE c<i> +F" (ngircd:
// relaxed flood protection for operators). Barrier: once every client has
// joined, each sends "PING :barrier" and reads up to its PONG: whatever the
// server queued for it during setup (other members' JOINs) comes before, so
// after the PONG only load lines arrive.
// Load: closed loop, one line in flight per sender: "PRIVMSG #rK :<seq>
// <send-ns> xxx" padded to BYTES; a line is complete once every other
// member of the room has received it, then its sender sends the next.
// Every received PRIVMSG is checked: sender "c<S>" in the receiver's room,
// seq exactly the next expected from S (else order_errors; a duplicate or
// a reorder is not counted as delivered). After SECONDS no new line is
// sent and the loader drains up to 10 s; what is missing then is lost.
// Acknowledgements: the loader sets TCP_QUICKACK after every read. ngircd
// and InspIRCd leave Nagle's algorithm on (uvreactor sets TCP_NODELAY);
// with the receiver's delayed ACK, each of their second small writes to a
// client would otherwise wait about 40 ms, which measures the ACK timer,
// not the server.
// Server CPU (-S): utime+stime of PID over the load phase, per delivered line.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum state { CONNECTING, REGISTERING, OPERING, JOINING, JOINED, BARRIER, READY };

typedef struct {
  int fd;
  enum state state;
  char in[16384];
  int inlen;
  char* out;
  size_t outlen, outcap;
  uint32_t* next;  // next seq expected from each client id
  uint32_t seq;    // my line in flight
  uint32_t got;    // receivers of my line in flight
  int inflight;
} client_t;

static client_t* C;
static int N, R = 1, BYTES = 64, PORT, ep;
static int setting_up, joined, ready;  // setup progress
static char opername[128], operpass[128];
static int oper;
static uint64_t delivered, order_errors, bad, sent, completed, lat_n;
static uint64_t* hist;  // 10 us buckets up to 10 s
#define HIST 1000000

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
static int room_size(int k) {
  return N / R + (k < N % R ? 1 : 0);
}
static void die(const char* what) {
  perror(what);
  exit(1);
}

static void queue(client_t* c, const char* p, size_t n) {
  if (c->outlen + n > c->outcap) {
    c->outcap = (c->outlen + n) * 2;
    c->out = realloc(c->out, c->outcap);
    if (c->out == NULL) die("realloc");
  }
  memcpy(c->out + c->outlen, p, n);
  c->outlen += n;
}

static void queuef(client_t* c, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
static void queuef(client_t* c, const char* fmt, ...) {
  char line[600];
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  queue(c, line, (size_t)k < sizeof line ? (size_t)k : sizeof line - 1);
}

static void flush(client_t* c) {
  size_t off = 0;
  while (off < c->outlen) {
    ssize_t w = write(c->fd, c->out + off, c->outlen - off);
    if (w < 0 && errno == EAGAIN) break;
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) die("write");
    off += (size_t)w;
  }
  memmove(c->out, c->out + off, c->outlen - off);
  c->outlen -= off;
  struct epoll_event ev = {.events = EPOLLIN | (c->outlen ? EPOLLOUT : 0),
                           .data.u32 = (uint32_t)(c - C)};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void start_client(int i) {
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)PORT)};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  client_t* c = &C[i];
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (c->fd < 0) die("socket");
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(c->fd, (struct sockaddr*)&sa, sizeof sa) < 0 && errno != EINPROGRESS) die("connect");
  c->next = calloc((size_t)N, sizeof *c->next);
  c->state = CONNECTING;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u32 = (uint32_t)i};
  epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
  setting_up++;
}

static void on_connected(client_t* c) {
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    errno = err;
    die("connect");
  }
  int i = (int)(c - C);
  queuef(c, "NICK c%d\r\nUSER c%d 0 * :load %d\r\n", i, i, i);
  c->state = REGISTERING;
}

// The command or numeric of a line: the word after the ":source" prefix.
static int is_command(const char* line, const char* command) {
  const char* p = line;
  if (*p == ':') {
    p = strchr(p, ' ');
    if (p == NULL) return 0;
    p++;
  }
  size_t n = strlen(command);
  return strncmp(p, command, n) == 0 && (p[n] == ' ' || p[n] == 0);
}

// Setup replies: each state waits for one reply; ERROR or an error numeric
// that setup can meet ends the run with the server's words.
static void on_setup_line(client_t* c, const char* line) {
  static const char* const fatal[] = {"ERROR", "405", "432", "433", "464", "471", "473", "491"};
  int i = (int)(c - C);
  for (size_t k = 0; k < sizeof fatal / sizeof *fatal; k++) {
    if (is_command(line, fatal[k])) {
      fprintf(stderr, "ircload: client %d during setup: %s\n", i, line);
      exit(1);
    }
  }
  if (c->state == REGISTERING && is_command(line, "001")) {
    if (oper) {
      queuef(c, "OPER %s %s\r\nMODE c%d +F\r\n", opername, operpass, i);
      c->state = OPERING;
      return;
    }
    c->state = OPERING;
  }
  if (c->state == OPERING && (!oper || is_command(line, "381"))) {
    queuef(c, "JOIN #r%d\r\n", i % R);
    c->state = JOINING;
  } else if (c->state == JOINING && is_command(line, "366")) {
    c->state = JOINED;
    setting_up--;
    joined++;
  } else if (c->state == BARRIER && is_command(line, "PONG") && strstr(line, "barrier")) {
    c->state = READY;
    ready++;
  }
}

static void send_line(client_t* c) {
  int i = (int)(c - C);
  char line[8192];
  int k = snprintf(line, sizeof line, "PRIVMSG #r%d :%u %" PRIu64 " ", i % R, c->seq, now_ns());
  while (k < BYTES + 20 && k < (int)sizeof line - 3) line[k++] = 'x';
  line[k++] = '\r';
  line[k++] = '\n';
  queue(c, line, (size_t)k);
  c->inflight = 1;
  c->got = 0;
  sent++;
}

// ":c<S>!... PRIVMSG #r<K> :<seq> <ns> ..."
static void on_load_line(client_t* c, char* line, uint64_t now) {
  char* priv = strstr(line, " PRIVMSG #");
  if (line[0] != ':' || line[1] != 'c' || priv == NULL) {
    if (strstr(line, " PRIVMSG ") || strstr(line, " NOTICE ")) bad++;
    return;
  }
  int s = atoi(line + 2);
  char* text = strstr(priv, " :");
  if (s < 0 || s >= N || text == NULL || s % R != (int)(c - C) % R || s == (int)(c - C)) {
    bad++;
    return;
  }
  uint32_t seq = (uint32_t)strtoul(text + 2, &text, 10);
  uint64_t ts = strtoull(text, NULL, 10);
  if (seq != c->next[s]) {
    order_errors++;
    if (seq > c->next[s]) c->next[s] = seq + 1;  // a gap: resync
    return;
  }
  c->next[s]++;
  delivered++;
  uint64_t us10 = (now - ts) / 10000;
  hist[us10 < HIST ? us10 : HIST - 1]++;
  lat_n++;
  client_t* from = &C[s];
  if (from->inflight && from->seq == seq && ++from->got == (uint32_t)(room_size(s % R) - 1)) {
    from->inflight = 0;
    from->seq++;
    completed++;
  }
}

static void on_line(client_t* c, char* line, uint64_t now) {
  if (strncmp(line, "PING ", 5) == 0) {
    queuef(c, "PONG %s\r\n", line + 5);
  } else if (c->state == READY) {
    on_load_line(c, line, now);
  } else {
    on_setup_line(c, line);
  }
}

// Reads what is there and hands over each complete line. Returns 0 once
// the server has closed the connection.
static int on_readable(client_t* c, uint64_t now) {
  static char buf[262144];
  ssize_t r = read(c->fd, buf, sizeof buf);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return 1;
  if (r <= 0) {
    fprintf(stderr, "ircload: client %d lost its connection\n", (int)(c - C));
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    return 0;
  }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
  for (ssize_t i = 0; i < r; i++) {
    if (buf[i] == '\n') {
      c->in[c->inlen] = 0;
      on_line(c, c->in, now);
      c->inlen = 0;
    } else if (buf[i] != '\r' && c->inlen < (int)sizeof c->in - 1) {
      c->in[c->inlen++] = buf[i];
    }
  }
  return 1;
}

// One pass of the event loop: reads, connects, then flushes what is queued.
static void poll_once(uint64_t* now) {
  struct epoll_event evs[256];
  int n = epoll_wait(ep, evs, 256, 100);
  *now = now_ns();
  for (int e = 0; e < n; e++) {
    client_t* c = &C[evs[e].data.u32];
    if (c->state == CONNECTING && (evs[e].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
      on_connected(c);
    } else if (evs[e].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
      if (!on_readable(c, *now) && c->state != READY) exit(1);
    }
    if (c->outlen) flush(c);
  }
}

// Connects and registers every client, WINDOW at a time, then runs the
// barrier. Exits non-zero if the server refuses or setup takes 300 s.
static void set_up(int window) {
  uint64_t now = now_ns(), deadline = now + 300000000000ull;
  int started = 0;
  while (joined < N) {
    while (started < N && setting_up < window) start_client(started++);
    poll_once(&now);
    if (now > deadline) {
      fprintf(stderr, "ircload: setup timed out: %d of %d clients joined\n", joined, N);
      exit(1);
    }
  }
  for (int i = 0; i < N; i++) {
    C[i].state = BARRIER;
    queuef(&C[i], "PING :barrier\r\n");
    flush(&C[i]);
  }
  while (ready < N) {
    poll_once(&now);
    if (now > deadline) {
      fprintf(stderr, "ircload: barrier timed out: %d of %d clients\n", ready, N);
      exit(1);
    }
  }
}

static uint64_t cpu_ticks(int pid) {
  if (pid <= 0) return 0;
  char path[64], buf[2048];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE* f = fopen(path, "r");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char* p = strrchr(buf, ')');
  unsigned long ut = 0, st = 0;
  if (p) sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
  return ut + st;
}

static uint64_t pct(double q) {
  uint64_t want = (uint64_t)(q * (double)lat_n), seen = 0;
  for (uint64_t i = 0; i < HIST; i++) {
    seen += hist[i];
    if (seen > want) return i * 10;
  }
  return 0;
}

int main(int argc, char** argv) {
  int pid = 0, opt, window = 64;
  double seconds = 5;
  const char* oper_arg = NULL;
  while ((opt = getopt(argc, argv, "p:c:r:t:s:S:O:w:")) != -1) {
    switch (opt) {
      case 'p':
        PORT = atoi(optarg);
        break;
      case 'c':
        N = atoi(optarg);
        break;
      case 'r':
        R = atoi(optarg);
        break;
      case 't':
        seconds = atof(optarg);
        break;
      case 's':
        BYTES = atoi(optarg);
        break;
      case 'S':
        pid = atoi(optarg);
        break;
      case 'O':
        oper_arg = optarg;
        break;
      case 'w':
        window = atoi(optarg);
        break;
      default:
        fprintf(stderr,
                "usage: ircload -p PORT -c CLIENTS [-r ROOMS] [-t S] [-s BYTES] [-S PID] [-O "
                "NAME:PASS] [-w WINDOW]\n");
        return 2;
    }
  }
  if (PORT <= 0 || window < 1 || N < 2 || R < 1 || N / R < 2) {
    fprintf(stderr, "ircload: needs -p PORT and at least 2 clients per room\n");
    return 2;
  }
  struct rlimit rl = {(rlim_t)N + 64, (rlim_t)N + 64};
  setrlimit(RLIMIT_NOFILE, &rl);
  C = calloc((size_t)N, sizeof *C);
  hist = calloc(HIST, sizeof *hist);
  if (oper_arg) {
    oper = 1;
    sscanf(oper_arg, "%127[^:]:%127s", opername, operpass);
  }
  ep = epoll_create1(0);
  uint64_t setup0 = now_ns();
  set_up(window);
  double setup_secs = (double)(now_ns() - setup0) / 1e9;
  uint64_t cpu0 = cpu_ticks(pid), t0 = now_ns();
  uint64_t stop = t0 + (uint64_t)(seconds * 1e9), deadline = stop + 10000000000ull;
  for (int i = 0; i < N; i++) {
    send_line(&C[i]);
    flush(&C[i]);
  }
  for (;;) {
    uint64_t now = now_ns();
    if (now >= stop && completed == sent) break;
    if (now >= deadline) break;
    poll_once(&now);
    // Senders whose line completed send the next, until the load ends.
    for (int i = 0; i < N; i++) {
      client_t* c = &C[i];
      if (!c->inflight && now < stop) send_line(c);
      if (c->outlen) flush(c);
    }
  }
  uint64_t t1 = now_ns(), cpu1 = cpu_ticks(pid);
  uint64_t expected = 0;
  for (int i = 0; i < N; i++)
    expected += (uint64_t)(room_size(i % R) - 1) * C[i].seq +
                (C[i].inflight ? (uint64_t)(room_size(i % R) - 1) : 0);
  double secs = (double)(t1 - t0) / 1e9;
  double cpu_us = (double)(cpu1 - cpu0) * 1e6 / (double)sysconf(_SC_CLK_TCK);
  printf("clients=%d rooms=%d sent=%" PRIu64 " delivered=%" PRIu64 " expected=%" PRIu64
         " lost=%" PRIu64 " order_errors=%" PRIu64 " bad=%" PRIu64
         " delivered_per_s=%.0f p50_us=%" PRIu64 " p99_us=%" PRIu64
         " server_cpu_us=%.0f server_cpu_us_per_line=%.4f secs=%.3f setup_secs=%.1f\n",
         N, R, sent, delivered, expected, expected > delivered ? expected - delivered : 0,
         order_errors, bad, (double)delivered / secs, pct(0.5), pct(0.99), cpu_us,
         delivered ? cpu_us / (double)delivered : 0.0, secs, setup_secs);
  return 0;
}

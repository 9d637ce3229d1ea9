// ircload: IRC fan-out load generator and verifier (one process, epoll).
//
// Usage: ircload -p PORT -c CLIENTS [-r ROOMS] [-t SECONDS] [-s BYTES]
//                [-S SERVER_PID] [-O NAME:PASS]
// Prints one line of key=value figures on stdout.
//
// Setup (blocking, in batches): client i registers as "c<i>" and joins
// "#r<i % ROOMS>"; it is set up once it has read the end of NAMES (366).
// With -O it also sends OPER NAME PASS and "MODE c<i> +F" (ngircd: relaxed
// flood protection for operators). Barrier: every client then sends
// "PING :barrier" and reads up to its PONG: whatever the server queued for
// it during setup (other members' JOINs) comes before, so after the PONG
// only load lines arrive.
// Load: closed loop, one line in flight per sender: "PRIVMSG #rK :<seq>
// <send-ns> xxx" padded to BYTES; a line is complete once every other
// member of the room has received it, then its sender sends the next.
// Every received PRIVMSG is checked: sender "c<S>" in the receiver's room,
// seq exactly the next expected from S (else order_errors; a duplicate or
// a reorder is not counted as delivered). After SECONDS no new line is
// sent and the loader drains up to 10 s; what is missing then is lost.
// Server CPU (-S): utime+stime of PID over the load phase, per delivered line.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  int fd;
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
static int N, R = 1, BYTES = 64, ep;
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

static void writeall(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) die("write");
    p += w;
    n -= (size_t)w;
  }
}

// Blocking: reads lines until one contains `want`.
static void read_until(client_t* c, const char* want) {
  for (;;) {
    char* nl;
    while ((nl = memchr(c->in, '\n', (size_t)c->inlen)) != NULL) {
      *nl = 0;
      int hit = strstr(c->in, want) != NULL;
      if (strncmp(c->in, "PING ", 5) == 0) {
        char pong[600];
        int k = snprintf(pong, sizeof pong, "PONG %s\n", c->in + 5);
        writeall(c->fd, pong, (size_t)k);
      }
      int used = (int)(nl - c->in) + 1;
      memmove(c->in, nl + 1, (size_t)(c->inlen - used));
      c->inlen -= used;
      if (hit) return;
    }
    if (c->inlen == (int)sizeof c->in) c->inlen = 0;  // an overlong line: drop it
    ssize_t r = read(c->fd, c->in + c->inlen, sizeof c->in - (size_t)c->inlen);
    if (r <= 0) {
      fprintf(stderr, "ircload: connection lost waiting for '%s'\n", want);
      exit(1);
    }
    c->inlen += (int)r;
  }
}

static void queue(client_t* c, const char* p, size_t n) {
  if (c->outlen + n > c->outcap) {
    c->outcap = (c->outlen + n) * 2;
    c->out = realloc(c->out, c->outcap);
  }
  memcpy(c->out + c->outlen, p, n);
  c->outlen += n;
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
static void on_line(client_t* c, char* line, uint64_t now) {
  if (strncmp(line, "PING ", 5) == 0) {
    char pong[600];
    int k = snprintf(pong, sizeof pong, "PONG %s\n", line + 5);
    queue(c, pong, (size_t)k);
    return;
  }
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
  int port = 0, pid = 0, opt;
  double seconds = 5;
  const char* oper = NULL;
  while ((opt = getopt(argc, argv, "p:c:r:t:s:S:O:")) != -1) {
    switch (opt) {
      case 'p':
        port = atoi(optarg);
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
        oper = optarg;
        break;
      default:
        fprintf(stderr,
                "usage: ircload -p PORT -c CLIENTS [-r ROOMS] [-t S] [-s BYTES] [-S PID] [-O "
                "NAME:PASS]\n");
        return 2;
    }
  }
  if (port <= 0 || N < 2 || R < 1 || N / R < 2) {
    fprintf(stderr, "ircload: needs -p PORT and at least 2 clients per room\n");
    return 2;
  }
  struct rlimit rl = {(rlim_t)N + 64, (rlim_t)N + 64};
  setrlimit(RLIMIT_NOFILE, &rl);
  C = calloc((size_t)N, sizeof *C);
  hist = calloc(HIST, sizeof *hist);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  char opername[128] = "", operpass[128] = "";
  if (oper) sscanf(oper, "%127[^:]:%127s", opername, operpass);
  for (int i = 0; i < N; i++) {
    client_t* c = &C[i];
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr*)&sa, sizeof sa) < 0) die("connect");
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->next = calloc((size_t)N, sizeof *c->next);
    char reg[512];
    int k = snprintf(reg, sizeof reg, "NICK c%d\r\nUSER c%d 0 * :load %d\r\n", i, i, i);
    writeall(c->fd, reg, (size_t)k);
    read_until(c, " 001 ");
    if (oper) {
      k = snprintf(reg, sizeof reg, "OPER %s %s\r\nMODE c%d +F\r\n", opername, operpass, i);
      writeall(c->fd, reg, (size_t)k);
      read_until(c, " 381 ");
    }
    k = snprintf(reg, sizeof reg, "JOIN #r%d\r\n", i % R);
    writeall(c->fd, reg, (size_t)k);
    read_until(c, " 366 ");
  }
  for (int i = 0; i < N; i++) {
    writeall(C[i].fd, "PING :barrier\r\n", 15);
    read_until(&C[i], "barrier");
    C[i].inlen = 0;  // the PONG line itself is the last setup byte
  }
  ep = epoll_create1(0);
  for (int i = 0; i < N; i++) {
    fcntl(C[i].fd, F_SETFL, O_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(ep, EPOLL_CTL_ADD, C[i].fd, &ev);
  }
  uint64_t cpu0 = cpu_ticks(pid), t0 = now_ns();
  uint64_t stop = t0 + (uint64_t)(seconds * 1e9), deadline = stop + 10000000000ull;
  for (int i = 0; i < N; i++) {
    send_line(&C[i]);
    flush(&C[i]);
  }
  static char buf[262144];
  struct epoll_event evs[256];
  for (;;) {
    uint64_t now = now_ns();
    if (now >= stop && completed == sent) break;
    if (now >= deadline) break;
    int n = epoll_wait(ep, evs, 256, 100);
    now = now_ns();
    for (int e = 0; e < n; e++) {
      client_t* c = &C[evs[e].data.u32];
      if (evs[e].events & EPOLLIN) {
        ssize_t r = read(c->fd, buf, sizeof buf);
        if (r <= 0) {
          if (r < 0 && errno == EAGAIN) continue;
          fprintf(stderr, "ircload: client %d lost its connection\n", (int)(c - C));
          epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
          continue;
        }
        for (ssize_t i = 0; i < r; i++) {
          if (buf[i] == '\n') {
            c->in[c->inlen < (int)sizeof c->in ? c->inlen : (int)sizeof c->in - 1] = 0;
            on_line(c, c->in, now);
            c->inlen = 0;
          } else if (buf[i] != '\r' && c->inlen < (int)sizeof c->in - 1) {
            c->in[c->inlen++] = buf[i];
          }
        }
      }
    }
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
         " server_cpu_us=%.0f server_cpu_us_per_line=%.4f secs=%.3f\n",
         N, R, sent, delivered, expected, expected > delivered ? expected - delivered : 0,
         order_errors, bad, (double)delivered / secs, pct(0.5), pct(0.99), cpu_us,
         delivered ? cpu_us / (double)delivered : 0.0, secs);
  return 0;
}

// udp_bind_as UID PORT: drops to user UID (and its group), then tries to
// bind 127.0.0.1:PORT with SO_REUSEADDR, with SO_REUSEPORT, with both and
// with neither. The exit code is how many of the four binds worked: the
// other side of the mailslot port test, a process of another user.
#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <initializer_list>

namespace {

bool try_bind(unsigned short port, bool reuse_address, bool reuse_port) {
  const int s = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0) return false;
  const int on = 1;
  if (reuse_address) ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
#if defined(SO_REUSEPORT)
  if (reuse_port) ::setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
#else
  (void)reuse_port;
#endif
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool bound = ::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  if (bound) std::fprintf(stderr, "udp_bind_as: bound with reuse_address=%d reuse_port=%d\n",
                          reuse_address, reuse_port);
  ::close(s);
  return bound;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: udp_bind_as UID PORT\n");
    return 100;
  }
  const auto uid = static_cast<uid_t>(std::strtoul(argv[1], nullptr, 10));
  const auto port = static_cast<unsigned short>(std::strtoul(argv[2], nullptr, 10));
  if (::setgroups(0, nullptr) != 0 || ::setgid(static_cast<gid_t>(uid)) != 0 ||
      ::setuid(uid) != 0 || ::geteuid() != uid) {
    std::perror("udp_bind_as: cannot switch user");
    return 101;
  }
  int bound = 0;
  for (const bool reuse_address : {false, true})
    for (const bool reuse_port : {false, true}) bound += try_bind(port, reuse_address, reuse_port);
  return bound;
}

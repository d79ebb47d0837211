// C6: a listener serves many concurrent clients; each gets its own channel
// and traffic never mixes.
#include <algorithm>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "harness.hpp"

namespace sc = strait::conformance;

TEST_CASE("C6.eight_clients_each_get_their_own_channel", "[C6][no-spawn]") {
  constexpr std::size_t clients = 8;
  constexpr std::size_t count = 500;  // messages each way, per client
  constexpr std::uint64_t first_seed = 1000;

  asio::io_context io;
  auto l = strait::listen(io, sc::fresh_listen_url());
  std::vector<strait::test::child_process> peers;
  for (std::size_t i = 0; i < clients; ++i)
    peers.push_back(sc::start_peer("stream", l.endpoint(),
                                   {std::to_string(count), std::to_string(first_seed + i)}));
  std::vector<strait::channel> channels;
  for (std::size_t i = 0; i < clients; ++i) channels.push_back(sc::accept_from(l, peers[i]));

  // One thread per channel, so that all clients' traffic is in flight at once.
  std::vector<std::string> problems(clients);
  std::vector<std::uint64_t> seeds(clients);
  {
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < clients; ++i)
      threads.emplace_back([&, i] {
        try {
          problems[i] = sc::exchange_stream(channels[i], count, seeds[i]);
        } catch (const std::exception& e) {
          problems[i] = e.what();
        }
      });
    for (auto& t : threads) t.join();
  }
  for (std::size_t i = 0; i < clients; ++i) {
    INFO("channel " << i << " (client seed " << seeds[i] << ")");
    CHECK(problems[i] == "");
    // Where the transport names the peer process, it is the one that sent that seed.
    if (const auto pid = channels[i].peer().pid; pid && seeds[i] >= first_seed &&
                                                 seeds[i] < first_seed + clients)
      CHECK(*pid == peers[seeds[i] - first_seed].pid());
  }
  // Each client was accepted exactly once.
  std::sort(seeds.begin(), seeds.end());
  std::vector<std::uint64_t> expected(clients);
  for (std::size_t i = 0; i < clients; ++i) expected[i] = first_seed + i;
  CHECK(seeds == expected);

  for (auto& ch : channels) ch.close();
  for (std::size_t i = 0; i < clients; ++i) {
    INFO("client " << i);
    CHECK(sc::exit_code(peers[i]) == 0);  // it checked its reply stream
  }
}

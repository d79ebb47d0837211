#include <iostream>
#include <string_view>
#include <strait/strait.hpp>

int main() {
  asio::io_context io;
  strait::listener server = strait::listen(io, "tcp://127.0.0.1:0");  // any free port
  strait::channel client = strait::connect(io, server.endpoint());
  strait::channel peer = server.accept();

  client.send(strait::buffer("hello"));  // one whole message, or an exception
  char text[64];
  std::size_t size = peer.receive(asio::buffer(text));
  std::cout << std::string_view(text, size) << '\n';
}

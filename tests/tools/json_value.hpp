// A strict reader of the JSON `strait ls --json` prints (RFC 8259: objects,
// arrays, strings, numbers, true, false, null), so the test checks that the
// output parses, not just that it contains some text. Not a general library:
// numbers stay text, \u escapes outside ASCII are refused.
#pragma once

#include <cctype>
#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strait::test {

struct json_value {
  enum class type { null, boolean, number, string, array, object } kind = type::null;
  std::string text;  // boolean, number, string
  std::vector<json_value> items;
  std::map<std::string, json_value> members;
};

class json_reader {
 public:
  // The value `text` holds; std::runtime_error when it is not valid JSON.
  static json_value parse(std::string_view text) {
    json_reader r(text);
    auto v = r.value();
    r.skip_space();
    if (r.at_ < r.text_.size()) r.fail("text after the value");
    return v;
  }

 private:
  explicit json_reader(std::string_view text) : text_(text) {}

  [[noreturn]] void fail(const char* what) const {
    throw std::runtime_error("invalid JSON at byte " + std::to_string(at_) + ": " + what);
  }
  void skip_space() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\n' ||
                                  text_[at_] == '\r' || text_[at_] == '\t'))
      ++at_;
  }
  char peek() {
    skip_space();
    if (at_ == text_.size()) fail("unexpected end");
    return text_[at_];
  }
  void expect(char c) {
    if (peek() != c) fail("unexpected character");
    ++at_;
  }
  void word(std::string_view w) {
    if (text_.substr(at_, w.size()) != w) fail("unknown word");
    at_ += w.size();
  }

  json_value close(json_value& v) {
    ++at_;  // the closing bracket or brace
    return std::move(v);
  }

  json_value value() {
    json_value v;
    const char c = peek();
    if (c == '{') {
      v.kind = json_value::type::object;
      ++at_;
      if (peek() == '}') return close(v);
      for (;;) {
        if (peek() != '"') fail("a member name must be a string");
        auto key = string();
        expect(':');
        v.members[key] = value();
        if (peek() == '}') return close(v);
        expect(',');
      }
    }
    if (c == '[') {
      v.kind = json_value::type::array;
      ++at_;
      if (peek() == ']') return close(v);
      for (;;) {
        v.items.push_back(value());
        if (peek() == ']') return close(v);
        expect(',');
      }
    }
    if (c == '"') {
      v.kind = json_value::type::string;
      v.text = string();
    } else if (c == 'n') {
      word("null");
    } else if (c == 't' || c == 'f') {
      v.kind = json_value::type::boolean;
      v.text = c == 't' ? "true" : "false";
      word(v.text);
    } else {
      v.kind = json_value::type::number;
      v.text = number();
    }
    return v;
  }

  std::string string() {
    ++at_;  // the opening quote
    std::string out;
    for (;;) {
      if (at_ == text_.size()) fail("unterminated string");
      const char c = text_[at_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("a control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_ == text_.size()) fail("unterminated escape");
      const char e = text_[at_++];
      switch (e) {
        case '"': case '\\': case '/': out += e; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          if (at_ + 4 > text_.size()) fail("short \\u escape");
          const auto code = std::stoul(std::string(text_.substr(at_, 4)), nullptr, 16);
          if (code > 0x7f) fail("a \\u escape outside ASCII");
          out += static_cast<char>(code);
          at_ += 4;
          break;
        }
        default: fail("unknown escape");
      }
    }
  }

  std::string number() {
    const auto start = at_;
    if (at_ < text_.size() && text_[at_] == '-') ++at_;
    const auto digits = [&] {
      const auto from = at_;
      while (at_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[at_]))) ++at_;
      if (at_ == from) fail("a number needs digits");
    };
    digits();
    if (at_ < text_.size() && text_[at_] == '.') {
      ++at_;
      digits();
    }
    if (at_ < text_.size() && (text_[at_] == 'e' || text_[at_] == 'E')) {
      ++at_;
      if (at_ < text_.size() && (text_[at_] == '+' || text_[at_] == '-')) ++at_;
      digits();
    }
    return std::string(text_.substr(start, at_ - start));
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

}  // namespace strait::test

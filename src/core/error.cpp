// error.cpp — voxtrain::Error keeps its message on one line, as it reaches the terminal.
#include "voxtrain/core/error.hpp"

#include <algorithm>

namespace voxtrain {
namespace {

std::string one_line(std::string text) {
  std::replace_if(text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

}  // namespace

Error::Error(const std::string& message) : std::runtime_error(one_line(message)) {}

}  // namespace voxtrain

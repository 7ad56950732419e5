// csv_writer.hpp — RFC 4180 CSV text (fields quoted only when they must be) and a table written
// atomically: the file appears complete or not at all (a temporary file beside it, then renamed).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace voxtrain {

// A field as written: unchanged, or in double quotes (inner quotes doubled) when it holds a comma,
// a double quote, a line break or leading/trailing white space.
std::string csv_field(std::string_view text);
// Fields joined by commas, ending in "\n".
std::string csv_line(std::span<const std::string> fields);

// Writes the header line and one line per row to path, creating its parent directories; every
// row must have as many fields as the header. The text goes to a temporary file in the same
// directory, which is then renamed over path. Throws Error naming the file when it cannot.
void write_csv(const std::string& path, const std::vector<std::string>& header,
               const std::vector<std::vector<std::string>>& rows);

}  // namespace voxtrain

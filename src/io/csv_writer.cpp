// csv_writer.cpp — CSV quoting and the atomic table write (temporary file in the target's
// directory, flushed and checked, then renamed over the target).
#include "voxtrain/io/csv_writer.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/error.hpp"

namespace voxtrain {
namespace {

namespace fs = std::filesystem;

bool is_space(char c) { return c == ' ' || c == '\t'; }

bool needs_quotes(std::string_view text) {
  if (text.find_first_of(",\"\r\n") != std::string_view::npos) return true;
  return !text.empty() && (is_space(text.front()) || is_space(text.back()));
}

fs::path temporary_beside(const fs::path& target) {
  static std::atomic<long> counter{0};
  std::string name(".");
  name.append(target.filename().string())
      .append(fmt::format(".tmp-{}-{}", static_cast<long>(::getpid()), counter.fetch_add(1)));
  fs::path tmp = target;
  tmp.replace_filename(name);
  return tmp;
}

}  // namespace

std::string csv_field(std::string_view text) {
  if (!needs_quotes(text)) return std::string(text);
  std::string out("\"");
  for (const char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string csv_line(std::span<const std::string> fields) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line.push_back(',');
    line += csv_field(fields[i]);
  }
  line.push_back('\n');
  return line;
}

void write_csv(const std::string& path, const std::vector<std::string>& header,
               const std::vector<std::vector<std::string>>& rows) {
  for (const auto& row : rows) VOX_ASSERT(row.size() == header.size());
  const fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path(), ec);
    if (ec) throw error("cannot create the directory of CSV file '{}': {}", path, ec.message());
  }
  if (fs::is_directory(target, ec))
    throw error("cannot write CSV file '{}': it is a directory; give a file name such as {}/metrics.csv", path, path);
  const fs::path tmp = temporary_beside(target);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw error("cannot write CSV file '{}': {}", path, std::strerror(errno));
    out << csv_line(header);
    for (const auto& row : rows) out << csv_line(row);
    out.flush();
    if (!out) {
      fs::remove(tmp, ec);
      throw error("cannot write CSV file '{}': write failed (disk full?)", path);
    }
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    const std::string reason = ec.message();
    fs::remove(tmp, ec);
    throw error("cannot move the new CSV file into place as '{}': {}", path, reason);
  }
}

}  // namespace voxtrain

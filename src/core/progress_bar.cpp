// progress_bar.cpp — drawing the progress of long work: in place on a terminal, in steps of 5 %
// (and the last step) when stderr is a file.
#include "voxtrain/core/progress_bar.hpp"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

namespace voxtrain {

ProgressBar::ProgressBar(std::string label, std::int64_t total, std::FILE* out)
    : label_(std::move(label)),
      total_(std::max<std::int64_t>(total, 1)),
      out_(out),
      in_place_(::isatty(::fileno(out)) != 0),
      start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() {
  if (in_place_ && done_ > 0) std::fputc('\n', out_);
}

std::string ProgressBar::line(std::string_view label, std::int64_t done, std::int64_t total,
                              std::string_view note, double elapsed_s) {
  constexpr int kWidth = 20;
  const std::int64_t filled = total > 0 ? done * kWidth / total : kWidth;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kWidth - filled), '.');
  const double left = done > 0 ? elapsed_s * static_cast<double>(total - done) / static_cast<double>(done) : 0.0;
  std::string text = fmt::format("{} [{}] {}/{}", label, bar, done, total);
  if (!note.empty()) text += fmt::format(" {}", note);
  text += fmt::format(" {:.1f} s", elapsed_s);
  if (done < total) text += fmt::format(", {:.1f} s left", left);
  return text;
}

void ProgressBar::advance(std::string_view note) {
  ++done_;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::string text = line(label_, done_, total_, note, elapsed);
  if (in_place_) {
    std::fprintf(out_, "\r%s\033[K", text.c_str());
    std::fflush(out_);
    return;
  }
  const std::int64_t percent = done_ * 100 / total_;
  if (done_ == total_ || percent / 5 > last_printed_percent_ / 5 || last_printed_percent_ < 0) {
    last_printed_percent_ = percent;
    std::fprintf(out_, "%s\n", text.c_str());
    std::fflush(out_);
  }
}

}  // namespace voxtrain

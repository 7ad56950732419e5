// cpu_channels.cpp — concatenation along channels (oneDNN concat) and its inverse, which hands each
// piece of the gradient back in the layout its input had.
#include <fmt/format.h>

#include "cpu_backend.hpp"
#include "dnnl_context.hpp"
#include "voxtrain/core/error.hpp"

namespace voxtrain::cpu {
namespace {

void check_concat(const std::vector<Tensor>& xs) {
  if (xs.empty()) throw InternalError("concat of no tensors");
  const Shape& first = xs[0].shape();
  for (const Tensor& x : xs) {
    bool same = x.rank() == first.rank() && x.rank() >= 2;
    for (int i = 0; same && i < x.rank(); ++i) same = i == 1 || x.shape()[i] == first[i];
    if (!same)
      throw error("concat: inputs {} and {} differ in more than their channels: skip connections need "
                  "matching spatial sizes (check the input size and the network depth)",
                  first.to_string(), x.shape().to_string());
  }
}

Shape with_channels(const Shape& s, std::int64_t channels) {
  std::vector<std::int64_t> e(s.extents().begin(), s.extents().end());
  e[1] = channels;
  return Shape(std::span<const std::int64_t>(e.data(), e.size()));
}

}  // namespace

Tensor CpuBackend::concat_channels(const std::vector<Tensor>& xs) {
  check_concat(xs);
  auto& ctx = context();
  std::vector<dnnl::memory::desc> mds;
  std::string key = "concat";
  std::int64_t channels = 0;
  for (const Tensor& x : xs) {
    mds.push_back(md_of(x));
    key.append("|").append(key_of(mds.back()));
    channels += x.shape()[1];
  }
  using Entry = Cached<dnnl::concat::primitive_desc, dnnl::concat>;
  auto& entry = ctx.cached<Entry>(key, [&] {
    dnnl::concat::primitive_desc pd(1, mds, ctx.engine());
    return Entry{pd, dnnl::concat(pd)};
  });
  Tensor y = tensor_for(entry.pd.dst_desc(), with_channels(xs[0].shape(), channels));
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_DST, ctx.memory(y)}};
  for (std::size_t i = 0; i < xs.size(); ++i) args.emplace(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), ctx.memory(xs[i]));
  execute(entry.primitive, args);
  return y;
}

std::vector<Tensor> CpuBackend::split_channels(const Tensor& dy, const std::vector<Tensor>& like) {
  auto& ctx = context();
  std::int64_t total = 0;
  for (const Tensor& l : like) total += l.shape()[1];
  if (dy.rank() < 2 || total != dy.shape()[1])
    throw InternalError(fmt::format("split of {} into pieces of {} channels in all", dy.shape().to_string(), total));
  for (const Tensor& l : like)
    if (l.rank() != dy.rank() || !(with_channels(l.shape(), dy.shape()[1]) == dy.shape()))
      throw InternalError(fmt::format("split of {} into a piece shaped {}", dy.shape().to_string(),
                                      l.shape().to_string()));
  // Channel offsets that fall inside one of dy's blocks cannot be viewed: split a plain copy then.
  const Tensor source = [&] {
    try {
      std::int64_t offset = 0;
      for (const Tensor& l : like) {
        dims offsets(static_cast<std::size_t>(dy.rank()), 0);
        offsets[1] = offset;
        (void)md_of(dy).submemory_desc(to_dims(l.shape()), offsets);
        offset += l.shape()[1];
      }
      return dy;
    } catch (const dnnl::error&) {
      return to_plain(dy);
    }
  }();
  const auto source_md = md_of(source);
  std::vector<Tensor> pieces;
  std::int64_t offset = 0;
  for (const Tensor& l : like) {
    dims offsets(static_cast<std::size_t>(dy.rank()), 0);
    offsets[1] = offset;
    const auto sub = source_md.submemory_desc(to_dims(l.shape()), offsets);
    Tensor piece = tensor_for(md_of(l), l.shape());
    ctx.reorder(dnnl::memory(sub, ctx.engine(), source.raw_data()), ctx.memory(piece));
    pieces.push_back(piece);
    offset += l.shape()[1];
  }
  return pieces;
}

}  // namespace voxtrain::cpu

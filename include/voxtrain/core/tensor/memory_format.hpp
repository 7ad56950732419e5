// memory_format.hpp — the physical layout a backend chose for a tensor's elements when it is
// not plain row-major NCDHW (oneDNN's blocked nCdhw16c, for instance). Opaque to everyone else.
#pragma once

#include <cstddef>
#include <string>

namespace voxtrain {

class MemoryFormat {
 public:
  virtual ~MemoryFormat() = default;
  virtual std::string name() const = 0;   // for messages: "nCdhw16c"
  virtual std::size_t bytes() const = 0;  // storage the layout needs, padding included
};

}  // namespace voxtrain

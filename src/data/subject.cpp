// subject.cpp — the spatial size of a Subject, read from whichever of its arrays is present.
#include "voxtrain/data/subject.hpp"

namespace voxtrain {

std::array<std::int64_t, 3> Subject::size_ijk() const {
  for (const Tensor* t : {&image, &label, &weight, &sampling_map})
    if (t->defined()) return {t->shape()[3], t->shape()[2], t->shape()[1]};
  return {0, 0, 0};
}

}  // namespace voxtrain

// subject_files.hpp — the files that make up one subject once input sections are matched by id:
// one image file per image section (the channels, in order), and optional label/weight/sampler files.
#pragma once

#include <string>
#include <vector>

namespace voxtrain {

struct SubjectFiles {
  std::string id;                  // the subject id every section agreed on, e.g. "sub-001"
  std::vector<std::string> image;  // one path per image section, in the configured order
  std::string label;               // empty when the data set has no label input
  std::string weight;              // empty when absent
  std::string sampling_map;        // empty when absent
};

}  // namespace voxtrain

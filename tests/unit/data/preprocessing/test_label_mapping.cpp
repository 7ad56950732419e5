// test_label_mapping.cpp — label normalisation: the mapping against a naive rank lookup, forward
// then backward is the identity, the histogram_ref_file lines NiftyNet writes, and the errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "voxtrain/core/error.hpp"
#include "voxtrain/data/preprocessing/histogram_standardisation.hpp"
#include "voxtrain/data/preprocessing/label_mapping.hpp"

#include "support/test_files.hpp"

using voxtrain::LabelMapping;
using voxtrain::Shape;
using voxtrain::Tensor;
using namespace voxtrain::testing;
using Catch::Matchers::Contains;

namespace {

Tensor labels(const std::vector<std::int32_t>& values) {
  Tensor t = Tensor::zeros(Shape{1, 1, 1, static_cast<std::int64_t>(values.size())}, voxtrain::DType::Int32);
  std::copy(values.begin(), values.end(), t.data<std::int32_t>());
  return t;
}

std::vector<std::int32_t> values_of(const Tensor& t) {
  return {t.data<std::int32_t>(), t.data<std::int32_t>() + t.numel()};
}

}  // namespace

TEST_CASE("labels: the training set's sorted values map to their rank, and back", "[data]") {
  const Tensor a = labels({0, 4, 4, 10, 0, -2});
  const Tensor b = labels({7, 0, 10, 10});
  const LabelMapping mapping = voxtrain::train_label_mapping({{.id = "a", .label = &a}, {.id = "b", .label = &b}}, 5);
  CHECK(mapping.from == std::vector<std::int32_t>{-2, 0, 4, 7, 10});
  CHECK(mapping.to == std::vector<std::int32_t>{0, 1, 2, 3, 4});

  Tensor x = a.clone();
  voxtrain::map_labels_forward(x, mapping, "a");
  // Naive: the rank of each value among the distinct values of both subjects.
  const std::set<std::int32_t> distinct{0, 4, 10, -2, 7};
  std::vector<std::int32_t> expected;
  for (std::int32_t v : values_of(a))
    expected.push_back(static_cast<std::int32_t>(std::distance(distinct.begin(), distinct.find(v))));
  CHECK(values_of(x) == expected);
  voxtrain::map_labels_backward(x, mapping, "a");
  CHECK(values_of(x) == values_of(a));
}

TEST_CASE("labels: unexpected values and too many classes are one-line errors naming them", "[data]") {
  const Tensor a = labels({0, 1, 5});
  const LabelMapping mapping = voxtrain::train_label_mapping({{.id = "a", .label = &a}}, 0);
  Tensor x = labels({0, 9, 1, 3, 9});
  const std::vector<std::int32_t> before = values_of(x);
  CHECK_THAT(error_or_none([&] { voxtrain::map_labels_forward(x, mapping, "sub-012"); }),
             Contains("subject 'sub-012'") && Contains("label values 3, 9 are not in the label mapping"));
  CHECK(values_of(x) == before);  // untouched
  Tensor out = labels({0, 3});
  CHECK_THAT(error_or_none([&] { voxtrain::map_labels_backward(out, mapping, "sub-1"); }), Contains("label values 3 "));

  const Tensor many = labels({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  CHECK_THAT(error_or_none([&] { voxtrain::train_label_mapping({{.id = "m", .label = &many}}, 3); }),
             Contains("12 distinct label values") && Contains("0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ... (12 in all)") &&
                 Contains("num_classes = 3"));

  CHECK_NOTHROW(voxtrain::check_label_values(labels({0, 1, 2}), 3, "ok"));
  CHECK_THAT(error_or_none([] { voxtrain::check_label_values(labels({0, 1, 255, -1, 255}), 3, "sub-3"); }),
             Contains("subject 'sub-3': label values -1, 255 are outside 0..2") &&
                 Contains("label_normalisation = True"));

  const LabelMapping broken{.from = {0, 1, 1}, .to = {0, 1, 2}, .source = "ref.txt"};
  CHECK_THAT(error_or_none([&] { voxtrain::check_label_mapping(broken, 0); }), Contains("ref.txt") && Contains("repeats"));
  const LabelMapping wide{.from = {0, 5}, .to = {0, 7}, .source = ""};
  CHECK_THAT(error_or_none([&] { voxtrain::check_label_mapping(wide, 3); }), Contains("maps to 0..7") && Contains("num_classes = 3"));
}

TEST_CASE("labels: the mapping lives in the histogram_ref_file under NiftyNet's keys", "[data]") {
  CHECK(voxtrain::label_mapping_keys("label") == std::pair<std::string, std::string>{"label_label-from", "label_label-to"});
  CHECK(voxtrain::label_mapping_keys("parc.v2") == std::pair<std::string, std::string>{"label_parcv2-from", "label_parcv2-to"});

  const ScratchDir dir("labels");
  // A file NiftyNet wrote: a modality, then the label lines with float values.
  const std::string path = dir.write(
      "labels.txt", "T1 0.0 1 2 3 4 5 6 7 8 9 10 11 100.0\nlabel_label-from 0.0 2.0 4.0\nlabel_label-to 0 1 2\n");
  const LabelMapping read = voxtrain::read_label_mapping(path, "label");
  CHECK(read.from == std::vector<std::int32_t>{0, 2, 4});
  CHECK(read.to == std::vector<std::int32_t>{0, 1, 2});
  CHECK(read.source == path);

  const LabelMapping trained{.from = {-1, 3, 8, 100}, .to = {0, 1, 2, 3}, .source = ""};
  voxtrain::write_label_mapping(path, trained, "seg");
  const LabelMapping back = voxtrain::read_label_mapping(path, "seg");
  CHECK(back.from == trained.from);
  CHECK(back.to == trained.to);
  CHECK(voxtrain::read_landmarks_file(path, {"T1"}).modalities.at("T1")[12] == 100.0);  // kept
  CHECK(voxtrain::read_label_mapping(path, "label").from == read.from);                  // kept

  CHECK_THAT(error_or_none([&] { voxtrain::read_label_mapping(path, "lesion"); }),
             Contains("no label mapping 'label_lesion-from'") && Contains("label_normalisation = True"));
  dir.write("labels.txt", "label_label-from 0.0 2.5\nlabel_label-to 0 1\n");
  CHECK_THAT(error_or_none([&] { voxtrain::read_label_mapping(path, "label"); }),
             Contains(path + ":1:") && Contains("not a whole number"));
}

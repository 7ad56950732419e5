// write_events.cpp — writes the TensorBoard event file that check_events.py loads with pip's
// tensorboard: scalars, a histogram, a grey and an RGB image, with values both sides derive.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <vector>

#include "voxtrain/io/tensorboard/tensorboard_writer.hpp"

// Keep in step with the expected values in check_events.py.
int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: voxtrain_write_events <log directory>\n");
    return 1;
  }
  try {
    voxtrain::TensorBoardWriter writer(argv[1]);
    for (int step = 0; step < 5; ++step) writer.add_scalar("loss", 1.0 / (step + 1), step);
    writer.add_scalar("learning_rate", 1e-3, 0);

    std::vector<float> weights;
    for (int i = 0; i < 100; ++i) weights.push_back(static_cast<float>(i - 50) * 0.25f);
    writer.add_histogram("weights/conv", weights, 3);

    const int height = 6, width = 8;
    std::vector<float> slice;
    for (int i = 0; i < height * width; ++i) slice.push_back(static_cast<float>(i));
    writer.add_image("input/mid_slice", slice, height, width, 3);

    const int rgb_height = 4, rgb_width = 5;
    std::vector<std::uint8_t> rgb;
    for (int y = 0; y < rgb_height; ++y) {
      for (int x = 0; x < rgb_width; ++x) {
        rgb.push_back(static_cast<std::uint8_t>(50 * x));
        rgb.push_back(static_cast<std::uint8_t>(60 * y));
        rgb.push_back(static_cast<std::uint8_t>(20 * (x + y)));
      }
    }
    writer.add_image_rgb("prediction/mid_slice", rgb, rgb_height, rgb_width, 3);
    writer.flush();
    std::printf("%s\n", writer.path().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "voxtrain_write_events: %s\n", e.what());
    return 1;
  }
  return 0;
}

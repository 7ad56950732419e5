// checkpoint_names.hpp — how tensor names become HDF5 paths in a checkpoint and back: dotted names as
// group trees ("unet.enc0.conv1.weight" -> "unet/enc0/conv1/weight"), percent escapes, the prefix clash.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace voxtrain {

// Parameter and buffer names are dotted module paths; optimizer state keys are "step" or
// "<parameter name>/<slot>" (nn/optimizer.hpp).
enum class CheckpointNameKind { Dotted, OptimizerKey };

// A dataset whose path is also a group (another name continues it: "a.b" and "a.b.c") is stored in
// that group under this link name. An encoded component never holds a literal '.', so no name
// can be stored as ".value" by itself.
inline constexpr std::string_view kCheckpointSelfLeaf = ".value";

// Names deeper than this (components) are refused on writing and on reading.
inline constexpr std::size_t kMaxCheckpointNameDepth = 100;

// One path component (an HDF5 link name) for any text: '%', '/', '.', control characters (C0 and
// DEL) and bytes that are not well-formed UTF-8 become %XX (upper-case hex); the empty text is "%".
// Everything else, non-ASCII UTF-8 included, stays as it is.
std::string encode_checkpoint_component(std::string_view text);
// The inverse; throws Error (starting with `where`) for a component encode_checkpoint_component
// would not write ("%4", "%2e", a literal '.').
std::string decode_checkpoint_component(std::string_view component, std::string_view where);

// The link names a name is stored under, before the prefix-clash rule. Dotted: one component per
// dot-separated part ("unet.enc0.w" -> unet, enc0, w); a dot next to an empty part (leading,
// trailing or doubled dots) stays in a component as %2E ("a..b" -> a, %2Eb; "a." -> a%2E). Optimizer
// keys: the parameter's components and then the slot ("unet.w/m" -> unet, w, m); a key without '/'
// is one component ("step"). Throws Error for a name deeper than kMaxCheckpointNameDepth.
std::vector<std::string> checkpoint_name_components(std::string_view name, CheckpointNameKind kind);

// The dataset path (relative to its section group, '/'-separated) of every name, the prefix clash
// resolved: a name whose path another name's path continues gets "/.value" appended.
std::map<std::string, std::string> checkpoint_dataset_paths(std::span<const std::string> names,
                                                            CheckpointNameKind kind);

// The name a dataset path (relative, '/'-separated, possibly ending in "/.value") stands for.
// Throws Error starting with `where` for a path voxtrain would not write for any name.
std::string checkpoint_name_from_path(std::string_view path, CheckpointNameKind kind, std::string_view where);

}  // namespace voxtrain

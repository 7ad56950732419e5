// hdf5_file.cpp — the HDF5 wrapper: every call checked with VOX_CHECK_HDF5 and its failure
// prefixed with the file and object, HDF5's own error printing kept off the terminal; files written
// in the HDF5 1.10 format (checksummed metadata), datasets compact or chunked with fletcher32.
#include "voxtrain/io/hdf5/hdf5_file.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "voxtrain/core/checks/check.hpp"
#include "voxtrain/core/checks/check_hdf5.hpp"
#include "voxtrain/core/error.hpp"
#include "voxtrain/core/text.hpp"
#include "voxtrain/io/hdf5/fletcher32.hpp"
#include "voxtrain/io/hdf5/hdf5_superblock.hpp"

namespace voxtrain {
namespace {

namespace fs = std::filesystem;

// libhdf5 1.10.8 tears itself down at exit and, once it has failed to load a damaged object header,
// prints "HDF5: infinite loop closing library" and a list of its packages to stderr: two more lines
// after voxtrain's one-line error. Asked before its first call (hence at static initialisation) not
// to register that handler, it stays quiet; exiting frees what it holds, and voxtrain closes (and
// so flushes) its files itself. Checked when a file is opened or created.
const herr_t kNoTeardownAtExit = H5dont_atexit();

// Datasets up to this size without a chunk shape are compact: their bytes live in the object
// header, which the metadata checksum covers. Larger ones get a chunk shape and fletcher32.
constexpr std::int64_t kCompactBytes = 16 * 1024;
constexpr std::int64_t kAutomaticChunkBytes = 1024 * 1024;

// HDF5's messages for a checksum that does not match: metadata ("incorrect metadata checksum after
// all read attempts", "... for global heap block") and data ("data error detected by Fletcher32
// checksum"). For a version-1 object header (no checksum) libhdf5 says the first too when it cannot
// decode it: the file is damaged either way.
bool is_checksum_failure(std::string_view hdf5_message) {
  return hdf5_message.find("metadata checksum") != std::string_view::npos ||
         hdf5_message.find("Fletcher32 checksum") != std::string_view::npos;
}

std::string checksum_mismatch(const std::string& where) {
  return fmt::format("{}: checksum mismatch: the bytes read differ from those written; the file is damaged; "
                     "re-create it from its sources (voxdata convert for a patch store)",
                     where);
}

// Runs f (which holds a VOX_CHECK_HDF5) and prefixes a failure with "<file>: <object>: ".
template <class F>
auto checked(const std::string& where, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const InternalError&) {
    throw;
  } catch (const Error& e) {
    if (is_checksum_failure(e.what())) throw Error(checksum_mismatch(where));
    throw Error(fmt::format("{}: {}", where, e.what()));
  }
}

}  // namespace
}  // namespace voxtrain

// VOX_H5(where, call): VOX_CHECK_HDF5(call), naming `where` (file and object) when it fails.
#define VOX_H5(where, call) ::voxtrain::checked((where), [&] { return VOX_CHECK_HDF5(call); })

namespace voxtrain {
namespace {

// The messages on HDF5's error stack, innermost last, and the stack cleared. Call while an
// Hdf5ErrorCapture is alive (so nothing was printed).
std::string hdf5_messages() {
  std::vector<std::string> messages;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned, const H5E_error2_t* entry, void* out) -> herr_t {
        if (entry->desc != nullptr && entry->desc[0] != '\0')
          static_cast<std::vector<std::string>*>(out)->emplace_back(entry->desc);
        return 0;
      },
      &messages);
  H5Eclear2(H5E_DEFAULT);
  std::string text;
  for (const std::string& m : messages) text.append(text.empty() ? "" : "; ").append(m);
  return text.empty() ? std::string("no reason given") : text;
}

std::vector<hsize_t> to_hsize(std::span<const std::int64_t> values) {
  std::vector<hsize_t> out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    VOX_ASSERT(values[i] >= 0);
    out[i] = static_cast<hsize_t>(values[i]);
  }
  return out;
}

std::vector<std::int64_t> shape_of(const Tensor& t) {
  return {t.shape().extents().begin(), t.shape().extents().end()};
}

Hdf5Handle handle(hid_t id, Hdf5Handle::Closer closer) { return Hdf5Handle(id, closer); }

// Creation properties for a link or attribute called `name`: a name holding non-ASCII bytes is marked
// UTF-8 (the character set HDF5 records with it); an ASCII name keeps HDF5's defaults (no property
// list), so files with ASCII names stay byte for byte as before.
Hdf5Handle name_properties(const std::string& where, hid_t property_class, const std::string& name) {
  if (std::all_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) return {};
  Hdf5Handle properties = handle(VOX_H5(where, H5Pcreate(property_class)), H5Pclose);
  VOX_H5(where, H5Pset_char_encoding(properties.id(), H5T_CSET_UTF8));
  return properties;
}

hid_t or_default(const Hdf5Handle& properties) { return properties.valid() ? properties.id() : H5P_DEFAULT; }

hid_t file_type(DType t) {
  switch (t) {
    case DType::Float32: return H5T_IEEE_F32LE;
    case DType::Int32: return H5T_STD_I32LE;
    case DType::Int64: return H5T_STD_I64LE;
    case DType::UInt8: return H5T_STD_U8LE;
  }
  return -1;
}

hid_t memory_type(DType t) {
  switch (t) {
    case DType::Float32: return H5T_NATIVE_FLOAT;
    case DType::Int32: return H5T_NATIVE_INT32;
    case DType::Int64: return H5T_NATIVE_INT64;
    case DType::UInt8: return H5T_NATIVE_UINT8;
  }
  return -1;
}

// A variable-length UTF-8 string type (h5py's str).
Hdf5Handle vlen_string_type(const std::string& where) {
  Hdf5Handle type = handle(VOX_H5(where, H5Tcopy(H5T_C_S1)), H5Tclose);
  VOX_H5(where, H5Tset_size(type.id(), H5T_VARIABLE));
  VOX_H5(where, H5Tset_cset(type.id(), H5T_CSET_UTF8));
  return type;
}

Hdf5Handle simple_space(const std::string& where, std::span<const std::int64_t> shape,
                        std::span<const std::int64_t> max_shape = {}) {
  if (shape.empty()) return handle(VOX_H5(where, H5Screate(H5S_SCALAR)), H5Sclose);
  const std::vector<hsize_t> dims = to_hsize(shape);
  std::vector<hsize_t> max_dims = dims;
  for (std::size_t i = 0; i < max_shape.size(); ++i)
    max_dims[i] = max_shape[i] < 0 ? H5S_UNLIMITED : static_cast<hsize_t>(max_shape[i]);
  return handle(VOX_H5(where, H5Screate_simple(static_cast<int>(dims.size()), dims.data(), max_dims.data())),
                H5Sclose);
}

std::vector<std::int64_t> space_shape(const std::string& where, hid_t space) {
  const int rank = VOX_H5(where, H5Sget_simple_extent_ndims(space));
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0) VOX_H5(where, H5Sget_simple_extent_dims(space, dims.data(), nullptr));
  return {dims.begin(), dims.end()};
}

// Reads the strings of a string-typed attribute or dataset: `read(memory_type, buffer)` does the
// H5Aread / H5Dread. Variable- and fixed-length strings; padding stripped.
template <class Read>
std::vector<std::string> read_string_values(const std::string& where, hid_t type, hid_t space, Read&& read) {
  const hssize_t count = VOX_H5(where, H5Sget_simple_extent_npoints(space));
  std::vector<std::string> out;
  if (count <= 0) return out;
  const htri_t variable = VOX_H5(where, H5Tis_variable_str(type));
  if (variable > 0) {
    Hdf5Handle memtype = vlen_string_type(where);
    std::vector<char*> buffer(static_cast<std::size_t>(count), nullptr);
    read(memtype.id(), buffer.data());
    for (char* s : buffer) out.emplace_back(s != nullptr ? s : "");
    const std::vector<hsize_t> dims{static_cast<hsize_t>(count)};
    Hdf5Handle memspace = handle(VOX_H5(where, H5Screate_simple(1, dims.data(), nullptr)), H5Sclose);
    VOX_H5(where, H5Dvlen_reclaim(memtype.id(), memspace.id(), H5P_DEFAULT, buffer.data()));
    return out;
  }
  const std::size_t size = H5Tget_size(type);
  if (size == 0) throw error("{}: unreadable string type", where);
  // Read as stored (no conversion, which could cut a null-padded string short), padding removed.
  Hdf5Handle memtype = handle(VOX_H5(where, H5Tcopy(type)), H5Tclose);
  const H5T_str_t padding = VOX_H5(where, H5Tget_strpad(type));
  std::vector<char> buffer(size * static_cast<std::size_t>(count), '\0');
  read(memtype.id(), buffer.data());
  for (hssize_t n = 0; n < count; ++n) {
    std::string s(buffer.data() + static_cast<std::size_t>(n) * size, size);
    s.erase(std::find(s.begin(), s.end(), '\0'), s.end());
    if (padding == H5T_STR_SPACEPAD)
      while (!s.empty() && s.back() == ' ') s.pop_back();
    out.push_back(std::move(s));
  }
  return out;
}

// True when `type` is one of HDF5's standard integer or IEEE float types (either byte order). A
// damaged datatype message can keep its class and size but carry impossible bit offsets or
// precisions, which libhdf5's conversions trust; such a type is refused before any read.
bool is_standard_number_type(const std::string& where, hid_t type) {
  const hid_t standard[] = {
      H5T_STD_I8LE,  H5T_STD_I8BE,  H5T_STD_U8LE,  H5T_STD_U8BE,  H5T_STD_I16LE,  H5T_STD_I16BE,
      H5T_STD_U16LE, H5T_STD_U16BE, H5T_STD_I32LE, H5T_STD_I32BE, H5T_STD_U32LE,  H5T_STD_U32BE,
      H5T_STD_I64LE, H5T_STD_I64BE, H5T_STD_U64LE, H5T_STD_U64BE, H5T_IEEE_F32LE, H5T_IEEE_F32BE,
      H5T_IEEE_F64LE, H5T_IEEE_F64BE};
  for (hid_t candidate : standard)
    if (VOX_H5(where, H5Tequal(type, candidate)) > 0) return true;
  return false;
}

std::string type_description(hid_t type) {
  switch (H5Tget_class(type)) {
    case H5T_INTEGER: return fmt::format("{}-byte integer", H5Tget_size(type));
    case H5T_FLOAT: return fmt::format("{}-byte float", H5Tget_size(type));
    case H5T_STRING: return "string";
    case H5T_COMPOUND: return "compound";
    default: return "non-numeric";
  }
}

}  // namespace

// ---- Hdf5Handle ---------------------------------------------------------------------------------

Hdf5Handle::Hdf5Handle(Hdf5Handle&& other) noexcept
    : id_(std::exchange(other.id_, -1)), closer_(std::exchange(other.closer_, nullptr)) {}

Hdf5Handle& Hdf5Handle::operator=(Hdf5Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = std::exchange(other.id_, -1);
    closer_ = std::exchange(other.closer_, nullptr);
  }
  return *this;
}

void Hdf5Handle::reset() noexcept {
  if (id_ >= 0 && closer_ != nullptr) {
    const detail::Hdf5ErrorCapture quiet;
    if (closer_(id_) < 0) H5Eclear2(H5E_DEFAULT);
  }
  id_ = -1;
  closer_ = nullptr;
}

// ---- Hdf5Object ---------------------------------------------------------------------------------

std::string Hdf5Object::where(const std::string& attribute) const {
  // Names can come from the file (attribute names listed, subject ids): escaped, so a message
  // stays one printable line.
  if (attribute.empty()) return fmt::format("{}: {}", file_, escape_for_display(name_));
  return fmt::format("{}: {} attribute '{}'", file_, escape_for_display(name_), escape_for_display(attribute));
}

std::string Hdf5Object::child_name(const std::string& child) const {
  return name_ == "/" ? "/" + child : fmt::format("{}/{}", name_, child);
}

bool Hdf5Object::has_attribute(const std::string& attribute) const {
  return VOX_H5(where(attribute), H5Aexists(id(), attribute.c_str())) > 0;
}

std::vector<std::string> Hdf5Object::attribute_names() const {
  std::vector<std::string> names;
  hsize_t index = 0;
  VOX_H5(where(), H5Aiterate2(
                      id(), H5_INDEX_NAME, H5_ITER_INC, &index,
                      [](hid_t, const char* name, const H5A_info_t*, void* out) -> herr_t {
                        static_cast<std::vector<std::string>*>(out)->emplace_back(name);
                        return 0;
                      },
                      &names));
  return names;
}

namespace {

// Creates (replacing) attribute `name` on object `id` and writes buffer with memtype.
void put_attribute(const std::string& where, hid_t id, const std::string& name, hid_t file_type,
                   hid_t memtype, hid_t space, const void* buffer) {
  if (VOX_H5(where, H5Aexists(id, name.c_str())) > 0) VOX_H5(where, H5Adelete(id, name.c_str()));
  Hdf5Handle attribute =
      handle(VOX_H5(where, H5Acreate2(id, name.c_str(), file_type, space,
                                      or_default(name_properties(where, H5P_ATTRIBUTE_CREATE, name)), H5P_DEFAULT)),
             H5Aclose);
  if (VOX_H5(where, H5Sget_simple_extent_npoints(space)) > 0) VOX_H5(where, H5Awrite(attribute.id(), memtype, buffer));
}

}  // namespace

namespace {

// Strings as voxtrain writes them: fixed-length UTF-8, null-padded to the longest value (at least
// one byte), so they live inline in the attribute message or the dataset's chunks, under a checksum.
// Variable-length strings would live in HDF5's global heap, which has no checksum in any format and
// whose damaged collections crash libhdf5 1.10.8 (H5HG_read; docs/FUZZING.md).
struct FixedStrings {
  Hdf5Handle type;
  std::vector<char> bytes;  // values.size() * size, null-padded
};

FixedStrings fixed_strings(const std::string& where, std::span<const std::string> values) {
  std::size_t size = 1;
  for (const std::string& v : values) size = std::max(size, v.size());
  FixedStrings out;
  out.type = handle(VOX_H5(where, H5Tcopy(H5T_C_S1)), H5Tclose);
  VOX_H5(where, H5Tset_size(out.type.id(), size));
  VOX_H5(where, H5Tset_cset(out.type.id(), H5T_CSET_UTF8));
  VOX_H5(where, H5Tset_strpad(out.type.id(), H5T_STR_NULLPAD));
  out.bytes.assign(values.size() * size, '\0');
  for (std::size_t n = 0; n < values.size(); ++n) std::copy(values[n].begin(), values[n].end(), out.bytes.begin() + n * size);
  return out;
}

}  // namespace

void Hdf5Object::write_attribute(const std::string& attribute, const std::string& value) const {
  const std::string at = where(attribute);
  const FixedStrings text = fixed_strings(at, std::span<const std::string>(&value, 1));
  Hdf5Handle space = simple_space(at, {});
  put_attribute(at, id(), attribute, text.type.id(), text.type.id(), space.id(), text.bytes.data());
}

void Hdf5Object::write_attribute(const std::string& attribute, std::span<const std::string> values) const {
  const std::string at = where(attribute);
  const FixedStrings texts = fixed_strings(at, values);
  const std::int64_t count = static_cast<std::int64_t>(values.size());
  Hdf5Handle space = simple_space(at, std::span<const std::int64_t>(&count, 1));
  put_attribute(at, id(), attribute, texts.type.id(), texts.type.id(), space.id(), texts.bytes.data());
}

void Hdf5Object::write_attribute(const std::string& attribute, std::int64_t value) const {
  const std::string at = where(attribute);
  Hdf5Handle space = simple_space(at, {});
  put_attribute(at, id(), attribute, H5T_STD_I64LE, H5T_NATIVE_INT64, space.id(), &value);
}

void Hdf5Object::write_attribute(const std::string& attribute, std::span<const double> values,
                                 const std::vector<std::int64_t>& shape) const {
  const std::string at = where(attribute);
  std::int64_t count = 1;
  for (std::int64_t n : shape) count *= n;
  VOX_ASSERT(count == static_cast<std::int64_t>(values.size()));
  Hdf5Handle space = simple_space(at, shape);
  put_attribute(at, id(), attribute, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, space.id(), values.data());
}

namespace {

struct OpenAttribute {
  Hdf5Handle attribute, type, space;
};

OpenAttribute open_attribute(const Hdf5Object& object, const std::string& name) {
  const std::string at = object.where(name);
  if (VOX_H5(at, H5Aexists(object.id(), name.c_str())) <= 0)
    throw error("{}: attribute '{}' is missing from {}; the file was not written by this version of "
                "voxtrain or is incomplete",
                object.file_path(), escape_for_display(name), escape_for_display(object.name()));
  OpenAttribute a;
  a.attribute = handle(VOX_H5(at, H5Aopen(object.id(), name.c_str(), H5P_DEFAULT)), H5Aclose);
  a.type = handle(VOX_H5(at, H5Aget_type(a.attribute.id())), H5Tclose);
  a.space = handle(VOX_H5(at, H5Aget_space(a.attribute.id())), H5Sclose);
  return a;
}

[[noreturn]] void wrong_kind(const Hdf5Object& object, const std::string& name, hid_t type, const char* wanted) {
  throw error("{}: attribute '{}' of {} is {}, expected {}; the file was not written by voxtrain "
              "or was changed by another tool",
              object.file_path(), escape_for_display(name), escape_for_display(object.name()), type_description(type), wanted);
}

void require_standard_number(const Hdf5Object& object, const std::string& name, hid_t type) {
  if (!is_standard_number_type(object.where(name), type))
    throw error("{}: attribute '{}' of {} has a {} type with an impossible bit layout; the file is damaged; "
                "re-create it from its sources (voxdata convert for a patch store)",
                object.file_path(), escape_for_display(name), escape_for_display(object.name()), type_description(type));
}

}  // namespace

std::vector<std::string> Hdf5Object::read_strings_attribute(const std::string& attribute) const {
  const std::string at = where(attribute);
  OpenAttribute a = open_attribute(*this, attribute);
  if (VOX_H5(at, H5Tget_class(a.type.id())) != H5T_STRING) wrong_kind(*this, attribute, a.type.id(), "strings");
  return read_string_values(at, a.type.id(), a.space.id(), [&](hid_t memtype, void* buffer) {
    VOX_H5(at, H5Aread(a.attribute.id(), memtype, buffer));
  });
}

std::string Hdf5Object::read_string_attribute(const std::string& attribute) const {
  std::vector<std::string> values = read_strings_attribute(attribute);
  if (values.size() != 1)
    throw error("{}: attribute '{}' of {} holds {} strings, expected one", file_, escape_for_display(attribute), escape_for_display(name_), values.size());
  return values[0];
}

std::int64_t Hdf5Object::read_int_attribute(const std::string& attribute) const {
  const std::string at = where(attribute);
  OpenAttribute a = open_attribute(*this, attribute);
  if (VOX_H5(at, H5Tget_class(a.type.id())) != H5T_INTEGER) wrong_kind(*this, attribute, a.type.id(), "an integer");
  require_standard_number(*this, attribute, a.type.id());
  if (VOX_H5(at, H5Sget_simple_extent_npoints(a.space.id())) != 1)
    throw error("{}: attribute '{}' of {} holds several values, expected one integer", file_, escape_for_display(attribute), escape_for_display(name_));
  std::int64_t value = 0;
  VOX_H5(at, H5Aread(a.attribute.id(), H5T_NATIVE_INT64, &value));
  return value;
}

std::vector<double> Hdf5Object::read_doubles_attribute(const std::string& attribute) const {
  const std::string at = where(attribute);
  OpenAttribute a = open_attribute(*this, attribute);
  const H5T_class_t kind = VOX_H5(at, H5Tget_class(a.type.id()));
  if (kind != H5T_INTEGER && kind != H5T_FLOAT) wrong_kind(*this, attribute, a.type.id(), "numbers");
  require_standard_number(*this, attribute, a.type.id());
  const hssize_t count = VOX_H5(at, H5Sget_simple_extent_npoints(a.space.id()));
  std::vector<double> values(static_cast<std::size_t>(count));
  if (count > 0) VOX_H5(at, H5Aread(a.attribute.id(), H5T_NATIVE_DOUBLE, values.data()));
  return values;
}

// ---- Hdf5Dataset --------------------------------------------------------------------------------

std::vector<std::int64_t> Hdf5Dataset::shape() const {
  Hdf5Handle space = handle(VOX_H5(where(), H5Dget_space(id())), H5Sclose);
  return space_shape(where(), space.id());
}

DType Hdf5Dataset::dtype() const {
  Hdf5Handle type = handle(VOX_H5(where(), H5Dget_type(id())), H5Tclose);
  const H5T_class_t kind = VOX_H5(where(), H5Tget_class(type.id()));
  const std::size_t size = H5Tget_size(type.id());  // 0 on failure: then not a type we read
  const auto standard = [&](DType t) {
    if (!is_standard_number_type(where(), type.id()))
      throw error("{}: holds {} values with an impossible bit layout; the file is damaged; re-create it from its "
                  "sources (voxdata convert for a patch store)",
                  where(), type_description(type.id()));
    return t;
  };
  if (kind == H5T_FLOAT && size == 4) return standard(DType::Float32);
  if (kind == H5T_INTEGER) {
    const H5T_sign_t sign = VOX_H5(where(), H5Tget_sign(type.id()));
    if (size == 4 && sign == H5T_SGN_2) return standard(DType::Int32);
    if (size == 8 && sign == H5T_SGN_2) return standard(DType::Int64);
    if (size == 1 && sign == H5T_SGN_NONE) return standard(DType::UInt8);
  }
  throw error("{}: holds {} values; voxtrain reads float32, int32, int64 and uint8 datasets", where(),
              type_description(type.id()));
}

bool Hdf5Dataset::is_string() const {
  Hdf5Handle type = handle(VOX_H5(where(), H5Dget_type(id())), H5Tclose);
  return VOX_H5(where(), H5Tget_class(type.id())) == H5T_STRING;
}

Hdf5Layout Hdf5Dataset::layout() const {
  Hdf5Layout layout;
  layout.checksum = false;  // true below when the filter pipeline holds fletcher32
  Hdf5Handle dcpl = handle(VOX_H5(where(), H5Dget_create_plist(id())), H5Pclose);
  if (VOX_H5(where(), H5Pget_layout(dcpl.id())) == H5D_CHUNKED) {
    std::vector<hsize_t> chunk(static_cast<std::size_t>(H5S_MAX_RANK));
    const int rank = VOX_H5(where(), H5Pget_chunk(dcpl.id(), H5S_MAX_RANK, chunk.data()));
    layout.chunk.assign(chunk.begin(), chunk.begin() + rank);
  }
  const int filters = VOX_H5(where(), H5Pget_nfilters(dcpl.id()));
  for (int f = 0; f < filters; ++f) {
    unsigned flags = 0, values[8] = {};
    std::size_t count = 8;
    const H5Z_filter_t filter =
        VOX_H5(where(), H5Pget_filter2(dcpl.id(), static_cast<unsigned>(f), &flags, &count, values, 0, nullptr, nullptr));
    if (filter == H5Z_FILTER_DEFLATE && count >= 1) layout.gzip_level = static_cast<int>(values[0]);
    if (filter == H5Z_FILTER_FLETCHER32) layout.checksum = true;
  }
  Hdf5Handle space = handle(VOX_H5(where(), H5Dget_space(id())), H5Sclose);
  std::vector<hsize_t> dims(static_cast<std::size_t>(H5S_MAX_RANK)), max_dims(dims.size());
  const int rank = VOX_H5(where(), H5Sget_simple_extent_dims(space.id(), dims.data(), max_dims.data()));
  layout.extendible_first_axis = rank > 0 && max_dims[0] == H5S_UNLIMITED;
  return layout;
}

Tensor Hdf5Dataset::read() const {
  const std::vector<std::int64_t> extents = shape();
  if (extents.empty() || extents.size() > static_cast<std::size_t>(Shape::kMaxRank))
    throw error("{}: has {} dimensions; voxtrain reads datasets of 1 to 5 dimensions", where(), extents.size());
  Tensor out = Tensor::empty(Shape(std::span<const std::int64_t>(extents)), dtype());
  const std::vector<std::int64_t> zero(extents.size(), 0);
  read_block(zero, extents, out, zero);
  return out;
}

void Hdf5Dataset::read_block(std::span<const std::int64_t> start, std::span<const std::int64_t> count, Tensor& out,
                             std::span<const std::int64_t> out_start) const {
  const std::vector<std::int64_t> out_shape = shape_of(out);
  VOX_ASSERT(out.is_plain() && out.device().is_cpu());
  VOX_ASSERT(start.size() == count.size() && count.size() == out_shape.size() && out_start.size() == count.size());
  for (std::int64_t n : count)
    if (n == 0) return;  // nothing to read
  if (read_block_from_verified_chunks(start, count, out, out_start)) return;
  Hdf5Handle file_space = handle(VOX_H5(where(), H5Dget_space(id())), H5Sclose);
  const std::vector<hsize_t> file_start = to_hsize(start), block = to_hsize(count), mem_start = to_hsize(out_start);
  VOX_H5(where(), H5Sselect_hyperslab(file_space.id(), H5S_SELECT_SET, file_start.data(), nullptr, block.data(), nullptr));
  Hdf5Handle mem_space = simple_space(where(), out_shape);
  VOX_H5(where(), H5Sselect_hyperslab(mem_space.id(), H5S_SELECT_SET, mem_start.data(), nullptr, block.data(), nullptr));
  VOX_H5(where(), H5Dread(id(), memory_type(out.dtype()), mem_space.id(), file_space.id(), H5P_DEFAULT, out.raw_data()));
}

namespace {

// The chunk grid of a dataset whose only filter is fletcher32, or nothing (another layout or filter).
std::optional<std::vector<hsize_t>> fletcher32_only_chunks(const std::string& where, hid_t dataset) {
  Hdf5Handle dcpl = handle(VOX_H5(where, H5Dget_create_plist(dataset)), H5Pclose);
  if (VOX_H5(where, H5Pget_layout(dcpl.id())) != H5D_CHUNKED) return std::nullopt;
  if (VOX_H5(where, H5Pget_nfilters(dcpl.id())) != 1) return std::nullopt;
  unsigned flags = 0, values[8] = {};
  std::size_t count = 8;
  if (VOX_H5(where, H5Pget_filter2(dcpl.id(), 0, &flags, &count, values, 0, nullptr, nullptr)) != H5Z_FILTER_FLETCHER32)
    return std::nullopt;
  std::vector<hsize_t> chunk(static_cast<std::size_t>(H5S_MAX_RANK));
  const int rank = VOX_H5(where, H5Pget_chunk(dcpl.id(), H5S_MAX_RANK, chunk.data()));
  chunk.resize(static_cast<std::size_t>(rank));
  return chunk;
}

// Row-major strides (in elements) of extents.
std::vector<std::int64_t> strides_of(std::span<const std::int64_t> extents) {
  std::vector<std::int64_t> s(extents.size(), 1);
  for (std::size_t d = extents.size(); d-- > 1;) s[d - 1] = s[d] * extents[d];
  return s;
}

// Copies the part of one chunk (its first element at `origin`, extents `chunk`) that lies in the
// block [start, start + count) to out, the block's first element landing at out_start.
void copy_overlap(const std::byte* chunk_bytes, std::span<const std::int64_t> origin, std::span<const std::int64_t> chunk,
                  std::span<const std::int64_t> start, std::span<const std::int64_t> count, Tensor& out,
                  std::span<const std::int64_t> out_start, std::int64_t element_bytes) {
  const std::size_t rank = chunk.size();
  std::vector<std::int64_t> lo(rank), hi(rank);
  for (std::size_t d = 0; d < rank; ++d) {
    lo[d] = std::max(origin[d], start[d]);
    hi[d] = std::min(origin[d] + chunk[d], start[d] + count[d]);
  }
  const std::vector<std::int64_t> out_extents = shape_of(out);
  const std::vector<std::int64_t> chunk_strides = strides_of(chunk), out_strides = strides_of(out_extents);
  const std::int64_t run_bytes = (hi[rank - 1] - lo[rank - 1]) * element_bytes;
  auto* out_bytes = static_cast<std::byte*>(out.raw_data());
  std::vector<std::int64_t> at = lo;  // the first element of each run: an odometer over all but the last axis
  while (true) {
    std::int64_t from = 0, to = 0;
    for (std::size_t d = 0; d < rank; ++d) {
      from += (at[d] - origin[d]) * chunk_strides[d];
      to += (at[d] - start[d] + out_start[d]) * out_strides[d];
    }
    std::memcpy(out_bytes + to * element_bytes, chunk_bytes + from * element_bytes, static_cast<std::size_t>(run_bytes));
    std::size_t d = rank - 1;
    while (d-- > 0) {
      if (++at[d] < hi[d]) break;
      at[d] = lo[d];
    }
    if (d == static_cast<std::size_t>(-1)) return;
  }
}

}  // namespace

bool Hdf5Dataset::read_block_from_verified_chunks(std::span<const std::int64_t> start, std::span<const std::int64_t> count,
                                                  Tensor& out, std::span<const std::int64_t> out_start) const {
  const std::optional<std::vector<hsize_t>> grid = fletcher32_only_chunks(where(), id());
  if (!grid || grid->size() != start.size()) return false;
  Hdf5Handle type = handle(VOX_H5(where(), H5Dget_type(id())), H5Tclose);
  if (VOX_H5(where(), H5Tequal(type.id(), memory_type(out.dtype()))) <= 0) return false;  // needs conversion
  const auto element_bytes = static_cast<std::int64_t>(H5Tget_size(type.id()));  // 0 when it fails
  if (element_bytes == 0) return false;
  const std::vector<std::int64_t> chunk(grid->begin(), grid->end());
  std::int64_t data_bytes = element_bytes;
  for (std::int64_t e : chunk) data_bytes *= e;
  const std::size_t rank = chunk.size();
  std::vector<std::int64_t> first(rank), last(rank);
  for (std::size_t d = 0; d < rank; ++d) {
    first[d] = start[d] / chunk[d];
    last[d] = (start[d] + count[d] - 1) / chunk[d];
  }
  // One buffer per thread, kept between calls: a fresh one would be mapped and zeroed per block.
  thread_local std::vector<std::byte> raw;
  raw.resize(static_cast<std::size_t>(data_bytes + 4));
  std::vector<std::int64_t> index = first;  // the chunk, an odometer over the chunk grid
  std::vector<std::int64_t> origin(rank);
  std::vector<hsize_t> offset(rank);
  while (true) {
    for (std::size_t d = 0; d < rank; ++d) {
      origin[d] = index[d] * chunk[d];
      offset[d] = static_cast<hsize_t>(origin[d]);
    }
    // A call that fails, a chunk never written (fill values) or stored unfiltered: libhdf5's own
    // read handles it (and names any damage in its words).
    hsize_t stored = 0;
    if (H5Dget_chunk_storage_size(id(), offset.data(), &stored) < 0 || stored != raw.size()) return false;
    std::uint32_t skipped_filters = 0;
    if (H5Dread_chunk(id(), H5P_DEFAULT, offset.data(), &skipped_filters, raw.data()) < 0 || skipped_filters != 0)
      return false;
    const std::span<const std::byte> data(raw.data(), static_cast<std::size_t>(data_bytes));
    std::uint32_t written = 0;  // stored after the data, little-endian
    for (int b = 3; b >= 0; --b) written = (written << 8) | static_cast<std::uint32_t>(raw[static_cast<std::size_t>(data_bytes + b)]);
    if (hdf5_fletcher32(data) != written) return false;  // libhdf5 reads it again and names the damage
    copy_overlap(raw.data(), origin, chunk, start, count, out, out_start, element_bytes);
    std::size_t d = rank;
    while (d-- > 0) {
      if (++index[d] <= last[d]) break;
      index[d] = first[d];
    }
    if (d == static_cast<std::size_t>(-1)) return true;
  }
}

void Hdf5Dataset::write(const Tensor& data) const {
  const std::vector<std::int64_t> zero(static_cast<std::size_t>(data.rank()), 0);
  write_block(zero, data);
}

void Hdf5Dataset::write_block(std::span<const std::int64_t> start, const Tensor& block) const {
  VOX_ASSERT(block.defined() && block.is_plain() && block.device().is_cpu());
  const std::vector<std::int64_t> extents = shape_of(block);
  VOX_ASSERT(start.size() == extents.size());
  if (block.numel() == 0) return;
  Hdf5Handle file_space = handle(VOX_H5(where(), H5Dget_space(id())), H5Sclose);
  const std::vector<hsize_t> file_start = to_hsize(start), count = to_hsize(extents);
  VOX_H5(where(), H5Sselect_hyperslab(file_space.id(), H5S_SELECT_SET, file_start.data(), nullptr, count.data(), nullptr));
  Hdf5Handle mem_space = simple_space(where(), extents);
  VOX_H5(where(), H5Dwrite(id(), memory_type(block.dtype()), mem_space.id(), file_space.id(), H5P_DEFAULT, block.raw_data()));
}

void Hdf5Dataset::resize(const std::vector<std::int64_t>& new_shape) const {
  const std::vector<hsize_t> dims = to_hsize(new_shape);
  VOX_H5(where(), H5Dset_extent(id(), dims.data()));
}

std::vector<std::string> Hdf5Dataset::read_strings() const {
  Hdf5Handle type = handle(VOX_H5(where(), H5Dget_type(id())), H5Tclose);
  if (VOX_H5(where(), H5Tget_class(type.id())) != H5T_STRING)
    throw error("{}: holds {} values, expected strings; the file was not written by voxtrain", where(),
                type_description(type.id()));
  Hdf5Handle space = handle(VOX_H5(where(), H5Dget_space(id())), H5Sclose);
  return read_string_values(where(), type.id(), space.id(), [&](hid_t memtype, void* buffer) {
    VOX_H5(where(), H5Dread(id(), memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer));
  });
}

// ---- Hdf5Group ----------------------------------------------------------------------------------

bool Hdf5Group::has(const std::string& child) const {
  // H5Lexists fails (rather than saying no) when an intermediate group is missing: walk the path.
  std::size_t from = 0;
  while (true) {
    const std::size_t slash = child.find('/', from);
    const std::string prefix = child.substr(0, slash);
    if (prefix.empty() || VOX_H5(where(), H5Lexists(id(), prefix.c_str(), H5P_DEFAULT)) <= 0) return false;
    if (slash == std::string::npos) return true;
    from = slash + 1;
  }
}

namespace {

H5I_type_t object_kind(const Hdf5Group& group, const std::string& child) {
  if (!group.has(child)) return H5I_BADID;
  // Opening reads the child's object header: a failure there names the child, not the group.
  const std::string at =
      fmt::format("{}: {}{}{}", group.file_path(), group.name(), group.name() == "/" ? "" : "/", child);
  Hdf5Handle object = handle(VOX_H5(at, H5Oopen(group.id(), child.c_str(), H5P_DEFAULT)), H5Oclose);
  return VOX_H5(at, H5Iget_type(object.id()));
}

const char* kind_name(H5I_type_t kind) {
  switch (kind) {
    case H5I_GROUP: return "a group";
    case H5I_DATASET: return "a dataset";
    case H5I_DATATYPE: return "a named datatype";
    default: return "missing";
  }
}

}  // namespace

bool Hdf5Group::has_group(const std::string& child) const { return object_kind(*this, child) == H5I_GROUP; }
bool Hdf5Group::has_dataset(const std::string& child) const { return object_kind(*this, child) == H5I_DATASET; }

std::vector<std::string> Hdf5Group::members() const {
  std::vector<std::string> names;
  hsize_t index = 0;
  VOX_H5(where(), H5Literate(
                      id(), H5_INDEX_NAME, H5_ITER_INC, &index,
                      [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
                        static_cast<std::vector<std::string>*>(out)->emplace_back(name);
                        return 0;
                      },
                      &names));
  return names;
}

Hdf5Group Hdf5Group::open_group(const std::string& child) const {
  const H5I_type_t kind = object_kind(*this, child);
  if (kind != H5I_GROUP)
    throw error("{}: group {} is {}; the file was not written by voxtrain or is incomplete", file_,
                child_name(child), kind_name(kind));
  const std::string name = child_name(child);
  return Hdf5Group(file_, name, handle(VOX_H5(file_ + ": " + name, H5Gopen2(id(), child.c_str(), H5P_DEFAULT)), H5Gclose));
}

Hdf5Group Hdf5Group::create_group(const std::string& child) const {
  const std::string name = child_name(child);
  const std::string at = fmt::format("{}: {}", file_, name);
  Hdf5Handle gcpl = handle(VOX_H5(at, H5Pcreate(H5P_GROUP_CREATE)), H5Pclose);
  VOX_H5(at, H5Pset_obj_track_times(gcpl.id(), false));  // the same content gives the same bytes
  const Hdf5Handle lcpl = name_properties(at, H5P_LINK_CREATE, child);
  return Hdf5Group(file_, name,
                   handle(VOX_H5(at, H5Gcreate2(id(), child.c_str(), or_default(lcpl), gcpl.id(), H5P_DEFAULT)), H5Gclose));
}

Hdf5Dataset Hdf5Group::open_dataset(const std::string& child) const {
  const H5I_type_t kind = object_kind(*this, child);
  if (kind != H5I_DATASET)
    throw error("{}: dataset {} is {}; the file was not written by voxtrain or is incomplete", file_,
                child_name(child), kind_name(kind));
  const std::string name = child_name(child);
  return Hdf5Dataset(file_, name, handle(VOX_H5(file_ + ": " + name, H5Dopen2(id(), child.c_str(), H5P_DEFAULT)), H5Dclose));
}

namespace {

// A chunk shape for a dataset given none that is too large to be compact: the whole shape, its
// largest extent halved until a chunk holds at most kAutomaticChunkBytes.
std::vector<std::int64_t> automatic_chunk(const std::vector<std::int64_t>& shape, std::int64_t element_bytes) {
  std::vector<std::int64_t> chunk(shape);
  for (std::int64_t& c : chunk) c = std::max<std::int64_t>(c, 1);
  const auto bytes = [&] {
    std::int64_t n = element_bytes;
    for (std::int64_t c : chunk) n *= c;
    return n;
  };
  while (bytes() > kAutomaticChunkBytes) {
    std::int64_t& largest = *std::max_element(chunk.begin(), chunk.end());
    largest = (largest + 1) / 2;
  }
  return chunk;
}

std::int64_t byte_count(const std::vector<std::int64_t>& shape, std::int64_t element_bytes) {
  std::int64_t n = element_bytes;
  for (std::int64_t e : shape) n *= e;
  return n;
}

// The dataset creation properties of a layout for a dataset of `shape`: chunked (with fletcher32 on
// every chunk unless the layout says no), or (no chunk shape, at most kCompactBytes) compact, covered by the header checksum.
Hdf5Handle creation_properties(const std::string& at, const std::vector<std::int64_t>& shape,
                               std::int64_t element_bytes, Hdf5Layout layout) {
  Hdf5Handle dcpl = handle(VOX_H5(at, H5Pcreate(H5P_DATASET_CREATE)), H5Pclose);
  VOX_H5(at, H5Pset_obj_track_times(dcpl.id(), false));
  VOX_ASSERT_MSG(!layout.chunk.empty() || (layout.gzip_level == 0 && !layout.extendible_first_axis),
                 "compression and extendible datasets need a chunk shape");
  VOX_ASSERT(layout.gzip_level >= 0 && layout.gzip_level <= 9);
  if (layout.chunk.empty()) {
    if (byte_count(shape, element_bytes) <= kCompactBytes) {
      VOX_H5(at, H5Pset_layout(dcpl.id(), H5D_COMPACT));
      return dcpl;
    }
    layout.chunk = automatic_chunk(shape, element_bytes);
  }
  VOX_ASSERT(layout.chunk.size() == shape.size());
  std::vector<hsize_t> chunk(shape.size());
  for (std::size_t d = 0; d < shape.size(); ++d) {
    VOX_ASSERT(layout.chunk[d] >= 1);
    const bool may_grow = d == 0 && layout.extendible_first_axis;
    chunk[d] = static_cast<hsize_t>(may_grow ? layout.chunk[d] : std::min(layout.chunk[d], std::max<std::int64_t>(shape[d], 1)));
  }
  VOX_H5(at, H5Pset_chunk(dcpl.id(), static_cast<int>(chunk.size()), chunk.data()));
  if (layout.gzip_level > 0) VOX_H5(at, H5Pset_deflate(dcpl.id(), static_cast<unsigned>(layout.gzip_level)));
  if (layout.checksum) VOX_H5(at, H5Pset_fletcher32(dcpl.id()));  // after deflate: covers the stored bytes
  return dcpl;
}

}  // namespace

Hdf5Dataset Hdf5Group::create_dataset(const std::string& child, DType dtype, const std::vector<std::int64_t>& shape,
                                      const Hdf5Layout& layout) const {
  const std::string name = child_name(child);
  const std::string at = fmt::format("{}: {}", file_, name);
  VOX_ASSERT(!shape.empty() && shape.size() <= static_cast<std::size_t>(Shape::kMaxRank));
  Hdf5Handle dcpl = creation_properties(at, shape, static_cast<std::int64_t>(dtype_size(dtype)), layout);
  std::vector<std::int64_t> max_shape(shape);
  if (layout.extendible_first_axis) max_shape[0] = -1;
  Hdf5Handle space = simple_space(at, shape, max_shape);
  const Hdf5Handle lcpl = name_properties(at, H5P_LINK_CREATE, child);
  return Hdf5Dataset(file_, name,
                     handle(VOX_H5(at, H5Dcreate2(id(), child.c_str(), file_type(dtype), space.id(), or_default(lcpl),
                                                  dcpl.id(), H5P_DEFAULT)),
                            H5Dclose));
}

Hdf5Dataset Hdf5Group::write_dataset(const std::string& child, const Tensor& data, const Hdf5Layout& layout) const {
  Hdf5Dataset dataset = create_dataset(child, data.dtype(), shape_of(data), layout);
  dataset.write(data);
  return dataset;
}

Hdf5Dataset Hdf5Group::write_strings(const std::string& child, std::span<const std::string> values) const {
  const std::string name = child_name(child);
  const std::string at = fmt::format("{}: {}", file_, name);
  const FixedStrings texts = fixed_strings(at, values);
  const std::int64_t count = static_cast<std::int64_t>(values.size());
  Hdf5Handle space = simple_space(at, std::span<const std::int64_t>(&count, 1));
  const auto string_bytes = static_cast<std::int64_t>(H5Tget_size(texts.type.id()));
  Hdf5Handle dcpl = creation_properties(at, {count}, string_bytes, Hdf5Layout{});
  const Hdf5Handle lcpl = name_properties(at, H5P_LINK_CREATE, child);
  Hdf5Dataset dataset(file_, name,
                      handle(VOX_H5(at, H5Dcreate2(id(), child.c_str(), texts.type.id(), space.id(), or_default(lcpl),
                                                   dcpl.id(), H5P_DEFAULT)),
                             H5Dclose));
  if (count > 0)
    VOX_H5(at, H5Dwrite(dataset.id(), texts.type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, texts.bytes.data()));
  return dataset;
}

// ---- Hdf5File -----------------------------------------------------------------------------------

bool looks_like_hdf5(const std::string& path) { return find_hdf5_signature(path).has_value(); }

Hdf5File Hdf5File::create(const std::string& path) {
  VOX_ASSERT_MSG(kNoTeardownAtExit >= 0, "H5dont_atexit failed");
  const std::string at = path;
  Hdf5Handle fcpl = handle(VOX_H5(at, H5Pcreate(H5P_FILE_CREATE)), H5Pclose);
  VOX_H5(at, H5Pset_obj_track_times(fcpl.id(), false));
  // The HDF5 1.10 format, low and high bound: checksums on the superblock, object headers, heaps,
  // B-trees and chunk indexes (the 1.8 format leaves chunk indexes unchecked). Fixing the high
  // bound keeps the bytes the same under a newer libhdf5. Readable by HDF5 1.10 and later.
  Hdf5Handle fapl = handle(VOX_H5(at, H5Pcreate(H5P_FILE_ACCESS)), H5Pclose);
  VOX_H5(at, H5Pset_libver_bounds(fapl.id(), H5F_LIBVER_V110, H5F_LIBVER_V110));
  hid_t id = -1;
  std::string reason;
  {
    const detail::Hdf5ErrorCapture quiet;
    id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.id(), fapl.id());
    if (id < 0) reason = hdf5_messages();
  }
  if (id < 0)
    throw error("{}: cannot create an HDF5 file ({}); check that the directory exists and is writable", path,
                reason);
  return Hdf5File(path, handle(id, H5Fclose));
}

Hdf5File Hdf5File::open(const std::string& path, Hdf5Access access) {
  VOX_ASSERT_MSG(kNoTeardownAtExit >= 0, "H5dont_atexit failed");
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw error("{}: no such file; check the path (relative paths start from {})", path, fs::current_path(ec).string());
  if (fs::is_directory(path, ec)) throw error("{}: is a directory, not an HDF5 file", path);
  check_hdf5_superblock(path);  // not HDF5, truncated or a damaged superblock: refused before libhdf5 reads it
  Hdf5Handle fapl = handle(VOX_H5(path, H5Pcreate(H5P_FILE_ACCESS)), H5Pclose);
  if (access == Hdf5Access::ReadOnly)
    VOX_H5(path, H5Pset_file_locking(fapl.id(), /*use_file_locking=*/false, /*ignore_when_disabled=*/true));
  hid_t id = -1;
  std::string reason;
  {
    const detail::Hdf5ErrorCapture quiet;
    id = H5Fopen(path.c_str(), access == Hdf5Access::ReadOnly ? H5F_ACC_RDONLY : H5F_ACC_RDWR, fapl.id());
    if (id < 0) reason = hdf5_messages();
  }
  if (id < 0) {
    if (is_checksum_failure(reason)) throw Error(checksum_mismatch(path + ": the file's metadata"));
    throw error("{}: cannot be opened as HDF5 ({}); the file is damaged or truncated{}", path, reason,
                access == Hdf5Access::ReadWrite ? ", or not writable" : "");
  }
  return Hdf5File(path, handle(id, H5Fclose));
}

Hdf5Group Hdf5File::root() const {
  return Hdf5Group(path_, "/", handle(VOX_H5(path_, H5Gopen2(id(), "/", H5P_DEFAULT)), H5Gclose));
}

void Hdf5File::flush() const { VOX_H5(path_, H5Fflush(id(), H5F_SCOPE_LOCAL)); }

void Hdf5File::close() {
  if (!handle_.valid()) return;
  flush();
  const hid_t id = handle_.release();  // closed here, checked; not again on destruction
  VOX_H5(path_, H5Fclose(id));
}

}  // namespace voxtrain

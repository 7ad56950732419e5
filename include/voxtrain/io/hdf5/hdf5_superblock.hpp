// hdf5_superblock.hpp — what can be checked in an HDF5 file with plain reads before libhdf5 parses it:
// the signature, the superblock's fields and checksum, and its end-of-file address against the real size.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace voxtrain {

// The fields of an HDF5 superblock (file format specification, section II.A) voxtrain checks.
struct Hdf5Superblock {
  std::int64_t offset = 0;         // where the signature is: 0, or after a user block of 512, 1024, ...
  int version = 0;                 // 0 and 1 (HDF5 1.0-1.8 defaults), 2 (1.8 format), 3 (1.10 format)
  int offset_size = 0;             // bytes per file address: 2, 4, 8, 16 or 32
  int length_size = 0;             // bytes per length
  std::uint64_t base_address = 0;  // the absolute address every other address is relative to
  std::uint64_t end_of_file = 0;   // the size the file must have, when base_address = offset
  bool has_checksum = false;       // versions 2 and 3 carry a Jenkins lookup3 checksum of the superblock
  bool checksum_matches = true;    // always true without one
};

// The offset of the HDF5 signature (at 0, 512, 1024, 2048, ...), if the file has one.
std::optional<std::int64_t> find_hdf5_signature(const std::string& path);

// Reads the superblock after the signature. Nothing when the file has no signature; throws one line
// naming the file when the superblock is cut short or holds impossible field values.
std::optional<Hdf5Superblock> read_hdf5_superblock(const std::string& path);

// Refuses, in one line naming the file and what to do, a file that is not HDF5 (no signature), whose
// superblock is damaged (impossible fields, checksum mismatch), or that is shorter than its superblock
// says (truncated). Called before H5Fopen, so that libhdf5 never parses such a file.
void check_hdf5_superblock(const std::string& path);

// HDF5's metadata checksum (Bob Jenkins' lookup3 hashlittle, initial value 0), as H5_checksum_lookup3.
std::uint32_t hdf5_lookup3_checksum(const unsigned char* data, std::size_t size);

}  // namespace voxtrain

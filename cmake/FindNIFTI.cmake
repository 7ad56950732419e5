# Finds nifticlib's NIfTI-2 reader (Debian's CMake config for it is broken: it names a libznz
# path that does not exist). Provides NIFTI_FOUND, NIFTI_VERSION and the target NIFTI::nifti2.

find_path(NIFTI_INCLUDE_DIR nifti2_io.h PATH_SUFFIXES nifti)
find_library(NIFTI_NIFTI2_LIBRARY nifti2)
find_library(NIFTI_ZNZ_LIBRARY znz)
find_package(ZLIB QUIET)

# nifticlib has no version function; take the package's version where dpkg knows it, else
# the shared library's file name (libnifti2.so.X.Y.Z).
if(NIFTI_NIFTI2_LIBRARY AND NOT NIFTI_VERSION)
  find_program(_nifti_dpkg_query dpkg-query)
  if(_nifti_dpkg_query)
    execute_process(COMMAND ${_nifti_dpkg_query} -W -f=\${Version} libnifti2-dev
                    OUTPUT_VARIABLE _nifti_pkg ERROR_QUIET RESULT_VARIABLE _nifti_rc)
    if(_nifti_rc EQUAL 0 AND _nifti_pkg MATCHES "^([0-9]+\\.[0-9]+\\.[0-9]+)")
      set(NIFTI_VERSION "${CMAKE_MATCH_1}")
    endif()
  endif()
  if(NOT NIFTI_VERSION)
    get_filename_component(_nifti_real "${NIFTI_NIFTI2_LIBRARY}" REALPATH)
    if(_nifti_real MATCHES "\\.so\\.([0-9.]+)$")
      set(NIFTI_VERSION "${CMAKE_MATCH_1}")
    else()
      set(NIFTI_VERSION "unknown")
    endif()
  endif()
  set(NIFTI_VERSION "${NIFTI_VERSION}" CACHE INTERNAL "nifticlib version")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(NIFTI
  REQUIRED_VARS NIFTI_NIFTI2_LIBRARY NIFTI_ZNZ_LIBRARY NIFTI_INCLUDE_DIR ZLIB_FOUND
  VERSION_VAR NIFTI_VERSION)

if(NIFTI_FOUND AND NOT TARGET NIFTI::nifti2)
  add_library(NIFTI::znz UNKNOWN IMPORTED)
  set_target_properties(NIFTI::znz PROPERTIES
    IMPORTED_LOCATION "${NIFTI_ZNZ_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${NIFTI_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES ZLIB::ZLIB)
  add_library(NIFTI::nifti2 UNKNOWN IMPORTED)
  set_target_properties(NIFTI::nifti2 PROPERTIES
    IMPORTED_LOCATION "${NIFTI_NIFTI2_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${NIFTI_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "NIFTI::znz;m")
endif()
mark_as_advanced(NIFTI_INCLUDE_DIR NIFTI_NIFTI2_LIBRARY NIFTI_ZNZ_LIBRARY)

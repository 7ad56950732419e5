# The libraries voxtrain builds on, all from Debian packages (scripts/install_deps.sh).
# A missing one stops configuration with the package that provides it.

macro(voxtrain_require package debian_package)
  find_package(${package} ${ARGN})
  if(NOT ${package}_FOUND)
    message(FATAL_ERROR "voxtrain needs ${package}: install the Debian package "
                        "'${debian_package}' (scripts/install_deps.sh does it).")
  endif()
endmacro()

voxtrain_require(MPI libopenmpi-dev COMPONENTS C)
voxtrain_require(HDF5 libhdf5-dev COMPONENTS C)
voxtrain_require(dnnl libdnnl-dev CONFIG)
voxtrain_require(NIFTI libnifti2-dev)
voxtrain_require(ZLIB zlib1g-dev)  # PNG images in TensorBoard event files
voxtrain_require(fmt libfmt-dev CONFIG)
voxtrain_require(Threads build-essential)
voxtrain_require(OpenMP build-essential COMPONENTS CXX)

if(VOXTRAIN_BUILD_TESTS)
  voxtrain_require(Catch2 catch2 2 CONFIG)
  find_program(MPIEXEC_EXECUTABLE NAMES mpiexec mpirun)
  if(NOT MPIEXEC_EXECUTABLE)
    message(FATAL_ERROR "voxtrain's MPI tests need mpiexec: install the Debian package 'openmpi-bin'.")
  endif()
endif()

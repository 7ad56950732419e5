# `cmake --install`: binaries, headers, the static library and a CMake package, so that another
# project can find_package(voxtrain) and link voxtrain::voxtrain (tests/consumer proves it).
include(CMakePackageConfigHelpers)

set(VOXTRAIN_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/voxtrain")

install(TARGETS voxtrain_lib EXPORT voxtrainTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS voxtrain voxdata RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/voxtrain" DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES "${PROJECT_BINARY_DIR}/generated/include/voxtrain/config.hpp"
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/voxtrain)
install(EXPORT voxtrainTargets NAMESPACE voxtrain:: DESTINATION ${VOXTRAIN_CMAKE_DIR})

configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/voxtrainConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/voxtrainConfig.cmake"
  INSTALL_DESTINATION ${VOXTRAIN_CMAKE_DIR})
write_basic_package_version_file("${PROJECT_BINARY_DIR}/voxtrainConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/voxtrainConfig.cmake"
  "${PROJECT_BINARY_DIR}/voxtrainConfigVersion.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/FindNIFTI.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/FindCUDNN.cmake"
  "${PROJECT_SOURCE_DIR}/cmake/FindNCCL.cmake"
  DESTINATION ${VOXTRAIN_CMAKE_DIR})

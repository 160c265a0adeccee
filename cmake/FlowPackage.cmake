# cmake/FlowPackage.cmake — the Flow CMake package, installed and in the build
# tree, so a host project can `find_package(Flow)` and get:
#   Flow::runtime            the runtime library with its include directory
#   Flow::flowc              the flowc that belongs to this runtime (imported
#                            executable; absent when flowc was not built)
#   flowc_add_pipeline()     generate C++ from a .flow file (FlowAddPipeline.cmake)
# Installed layout: bin/flowc, include/flow/, lib/libflow_runtime.a,
# lib/cmake/Flow/{FlowConfig,FlowConfigVersion,FlowTargets,FlowAddPipeline}.cmake.
include(CMakePackageConfigHelpers)

set(FLOW_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Flow)

# The export set holds flow_runtime (runtime/CMakeLists.txt) and flowc
# (compiler/driver/CMakeLists.txt); internal targets such as flow_warnings are
# linked through $<BUILD_INTERFACE:…> and stay out of it.
install(EXPORT FlowTargets NAMESPACE Flow:: DESTINATION ${FLOW_CMAKE_INSTALL_DIR})
export(EXPORT FlowTargets NAMESPACE Flow:: FILE ${PROJECT_BINARY_DIR}/FlowTargets.cmake)

write_basic_package_version_file(${PROJECT_BINARY_DIR}/FlowConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)

# Installed config: everything relative to the install prefix.
set(FLOW_CONFIG_ADD_PIPELINE "\${CMAKE_CURRENT_LIST_DIR}/FlowAddPipeline.cmake")
configure_package_config_file(cmake/FlowConfig.cmake.in ${PROJECT_BINARY_DIR}/install-config/FlowConfig.cmake
                              INSTALL_DESTINATION ${FLOW_CMAKE_INSTALL_DIR})
install(FILES ${PROJECT_BINARY_DIR}/install-config/FlowConfig.cmake ${PROJECT_BINARY_DIR}/FlowConfigVersion.cmake
              cmake/FlowAddPipeline.cmake
        DESTINATION ${FLOW_CMAKE_INSTALL_DIR})

# Build-tree config: -DFlow_DIR=<build dir> uses the freshly built flowc and runtime.
set(FLOW_CONFIG_ADD_PIPELINE "${PROJECT_SOURCE_DIR}/cmake/FlowAddPipeline.cmake")
configure_package_config_file(cmake/FlowConfig.cmake.in ${PROJECT_BINARY_DIR}/FlowConfig.cmake
                              INSTALL_DESTINATION ${PROJECT_BINARY_DIR} INSTALL_PREFIX ${PROJECT_BINARY_DIR})

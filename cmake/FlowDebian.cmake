# cmake/FlowDebian.cmake — the Flow .deb, made by `cpack -G DEB` from the
# install rules (scripts/package-deb.sh runs it): flowc, the runtime library
# and headers, the metrics module and the CMake package, under /usr.
#
# Depends: what the installed files need — found by dpkg-shlibdeps in
# flowc and the metrics module (libc6, libstdc++6, libtinfo6,
# libcpp-httplib0.11 …) — plus a C++20 compiler, which `flowc build` runs on
# every generated program: clang++ 14 or g++ 12, either of which brings the
# C++ standard library headers and binutils — and the development packages
# of the libraries a generated program compiles and links against: the
# runtime's headers include tsl/robin_map.h (robin-map-dev, header only),
# `flowc build` links every program with -lcurl (http_get, http_post; kept
# only where called, under --as-needed) and a program that decodes JSON with
# -lsimdjson, which need the unversioned .so links the -dev packages hold
# (they bring libcurl4 and libsimdjson14 along). The CMake package's
# find_dependency() calls need the same three. ANTLR, LLVM and Java are not
# among them: flowc links ANTLR's runtime and LLVM Support statically, and
# the ANTLR tool (Java) only runs when flowc itself is built.
#
# The package installs under /usr whatever CMAKE_INSTALL_PREFIX the build was
# configured with: flowc finds the runtime relative to itself, the CMake
# package is relocatable, and a program finds the metrics module through the
# dynamic loader's search (runtime/src/metrics_server.cpp).
set(CPACK_PACKAGE_NAME flow)
set(CPACK_PACKAGE_VENDOR "The Flow authors")
set(CPACK_PACKAGE_CONTACT "The Flow authors <flow@example.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "compiler for Flow, a small language for concurrent pipelines")
set(CPACK_PACKAGE_DESCRIPTION
    "flowc checks .flow files (typed channels, stages, worker pools, timeouts, retries, deadlines), lowers them to C++ on a coroutine channel runtime and builds standalone programs or C++ to embed. Includes the runtime library and headers, the CMake package (find_package(Flow), flowc_add_pipeline()), flowc fmt and the language server flowc lsp.")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # flow_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "clang (>= 1:14) | g++ (>= 4:12), libcurl4-openssl-dev | libcurl-dev, libsimdjson-dev, robin-map-dev")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "clang (>= 1:14)")
# flowc alone: the runtime archive keeps its debug sections (`flowc build -g`
# links it; ordinary builds link libflow_runtime-nodebug.a).
set(CPACK_STRIP_FILES bin/flowc)
include(CPack)

# Install/export of the Flow CMake package (filled in by the skeleton)

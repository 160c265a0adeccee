# cmake/FlowAddPipeline.cmake — flowc_add_pipeline(): generate C++ from a .flow
# file at build time and wrap it in a library target a host program links.
# Installed with the Flow CMake package (lib/cmake/Flow/) and included by
# FlowConfig.cmake, so `find_package(Flow REQUIRED)` is all a project needs.
# It does not build flowc or the runtime; it uses the ones the package found.
#
#   flowc_add_pipeline(<target> <file.flow>
#                      [PIPELINE <name>]          # which pipeline, if the file has several
#                      [EXTERNS <file.cpp>…]      # C++ that defines the file's extern functions
#                      [INCLUDE_DIRS <dir>…]      # where extern headers live (besides the .flow's dir)
#                      [OUTPUT_DIR <dir>]         # default: <binary dir>/<target>.flowgen
#                      [FLOWC_ARGS <arg>…])       # extra arguments for `flowc emit`,
#                                                 # e.g. --no-line-directives
#
# Creates a static library <target> made of the C++ that `flowc emit` writes
# (a header and a source, named after the pipeline) plus the EXTERNS sources.
# It links Flow::runtime publicly, and its include path (also public) holds
# the generated header, the .flow file's directory and INCLUDE_DIRS, so a host
# links <target> and includes "<pipeline>.h". Generation reruns when the .flow
# file or flowc changes. Sets on <target>:
#   FLOW_GENERATED_HEADER   full path of the generated header
#   FLOW_GENERATED_SOURCE   full path of the generated source
#
# flowc is the target Flow::flowc (which find_package(Flow) imports: the
# flowc that belongs to the runtime found), unless FLOWC_EXECUTABLE is set to
# override it; without either, `find_program(flowc)`.
include_guard(GLOBAL)

function(_flow_find_flowc out_var)
  if(FLOWC_EXECUTABLE)
    set(${out_var} "${FLOWC_EXECUTABLE}" PARENT_SCOPE)
  elseif(TARGET Flow::flowc)
    set(${out_var} "$<TARGET_FILE:Flow::flowc>" PARENT_SCOPE)
  else()
    find_program(FLOWC_EXECUTABLE flowc DOC "The Flow compiler")
    if(NOT FLOWC_EXECUTABLE)
      message(FATAL_ERROR "flowc_add_pipeline: flowc not found; set FLOWC_EXECUTABLE "
                          "or point Flow_DIR at a Flow build or install tree")
    endif()
    set(${out_var} "${FLOWC_EXECUTABLE}" PARENT_SCOPE)
  endif()
endfunction()

function(flowc_add_pipeline target flow_file)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "PIPELINE;OUTPUT_DIR" "EXTERNS;INCLUDE_DIRS;FLOWC_ARGS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "flowc_add_pipeline(${target}): unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()

  cmake_path(ABSOLUTE_PATH flow_file BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}" NORMALIZE)
  if(NOT EXISTS "${flow_file}")
    message(FATAL_ERROR "flowc_add_pipeline(${target}): `${flow_file}` does not exist")
  endif()
  cmake_path(GET flow_file PARENT_PATH flow_dir)

  # The generated files are named after the pipeline. Without PIPELINE, read
  # the name from the file: the build would fail later anyway if it had none.
  set(pipeline "${arg_PIPELINE}")
  if(NOT pipeline)
    file(STRINGS "${flow_file}" decls REGEX "^[ \t]*pipeline[ \t]+[A-Za-z_][A-Za-z0-9_]*")
    list(LENGTH decls count)
    if(NOT count EQUAL 1)
      message(FATAL_ERROR "flowc_add_pipeline(${target}): `${flow_file}` declares ${count} pipelines; "
                          "name one with PIPELINE <name>")
    endif()
    string(REGEX REPLACE "^[ \t]*pipeline[ \t]+([A-Za-z_][A-Za-z0-9_]*).*" "\\1" pipeline "${decls}")
  endif()

  set(out_dir "${arg_OUTPUT_DIR}")
  if(NOT out_dir)
    set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/${target}.flowgen")
  endif()
  cmake_path(ABSOLUTE_PATH out_dir BASE_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}" NORMALIZE)
  set(header "${out_dir}/${pipeline}.h")
  set(source "${out_dir}/${pipeline}.cpp")
  # Consts, records and extern declarations alone, for the extern .cpp files.
  set(shared_header "${out_dir}/${pipeline}.flow.h")

  _flow_find_flowc(flowc)
  set(flowc_args "")
  if(arg_PIPELINE)
    list(APPEND flowc_args --pipeline "${arg_PIPELINE}")
  endif()
  set(include_dirs "")
  foreach(dir IN LISTS arg_INCLUDE_DIRS)
    cmake_path(ABSOLUTE_PATH dir BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}" NORMALIZE)
    list(APPEND include_dirs "${dir}")
  endforeach()
  list(APPEND flowc_args ${arg_FLOWC_ARGS})

  # A path or $<TARGET_FILE:Flow::flowc>: generation reruns when flowc changes.
  set(flowc_depends "${flow_file}" "${flowc}")
  cmake_path(RELATIVE_PATH flow_file BASE_DIRECTORY "${CMAKE_SOURCE_DIR}" OUTPUT_VARIABLE flow_rel)
  add_custom_command(
    OUTPUT "${header}" "${source}" "${shared_header}"
    COMMAND "${flowc}" emit "${flow_file}" ${flowc_args} -o "${out_dir}"
    DEPENDS ${flowc_depends}
    COMMENT "flowc emit ${flow_rel}"
    VERBATIM COMMAND_EXPAND_LISTS)

  add_library(${target} STATIC "${source}" "${header}" ${arg_EXTERNS})
  target_include_directories(${target} PUBLIC "${out_dir}" "${flow_dir}" ${include_dirs})
  if(TARGET Flow::runtime)
    target_link_libraries(${target} PUBLIC Flow::runtime)
  elseif(TARGET flow_runtime)  # used from inside the Flow build itself
    target_link_libraries(${target} PUBLIC flow_runtime)
  else()
    message(FATAL_ERROR "flowc_add_pipeline(${target}): no Flow::runtime target; call find_package(Flow) first")
  endif()
  target_compile_features(${target} PUBLIC cxx_std_20)
  set_target_properties(${target} PROPERTIES FLOW_GENERATED_HEADER "${header}" FLOW_GENERATED_SOURCE "${source}")
endfunction()

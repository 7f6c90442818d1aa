# depthscope-cli(1) and depthscope(1), generated at build time from the programs' own --help
# by help2man (Debian package help2man), so they cannot drift from the options.
# The CLI's page also carries every subcommand's --help (cmake/help2man.cmake).
find_program(HELP2MAN_EXECUTABLE help2man)
find_program(GZIP_EXECUTABLE gzip)
if(NOT HELP2MAN_EXECUTABLE OR NOT GZIP_EXECUTABLE)
  message(WARNING "help2man or gzip not found: no man pages (packaging/setup.sh installs help2man)")
  return()
endif()

set(DS_MAN_PAGES "")
function(ds_man_page target description)
  set(out ${PROJECT_BINARY_DIR}/man/${target}.1.gz)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:${target}> -DNAME=${target} -DVERSION=${PROJECT_VERSION} "-DDESCRIPTION=${description}"
            -DOUT=${out} -DHELP2MAN=${HELP2MAN_EXECUTABLE} -DGZIP=${GZIP_EXECUTABLE}
            -DSEE_ALSO=${ARGN} -P ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/help2man.cmake
    DEPENDS ${target} ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/help2man.cmake
    COMMENT "Man page ${target}(1) from ${target} --help"
    VERBATIM)
  add_custom_target(${target}_man ALL DEPENDS ${out})
  install(FILES ${out} DESTINATION ${DS_MAN_DIR})
endfunction()

if(TARGET depthscope)
  ds_man_page(depthscope-cli "the Curse of Depth lab for LLMs, on the command line" depthscope)
  ds_man_page(depthscope "desktop lab for the Curse of Depth in LLMs" depthscope-cli)
else()  # the headless package has no depthscope(1) to refer to
  ds_man_page(depthscope-cli "the Curse of Depth lab for LLMs, on the command line")
endif()

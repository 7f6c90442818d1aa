# cmake -DEXE=... -DNAME=... -DVERSION=... -DDESCRIPTION=... -DOUT=page.1.gz -DHELP2MAN=... -DGZIP=...
#       [-DSEE_ALSO=other] -P help2man.cmake
# Writes NAME(1), gzip-compressed, from EXE --help / --version. For a CLI11 program with
# subcommands (a "Subcommands:" list in --help) it adds a COMMANDS section with each
# subcommand's own --help, one level of nesting deep (corpus build, runs show, ...).
set(ENV{QT_QPA_PLATFORM} offscreen)  # the GUI parses its options after creating its QApplication
set(ENV{LC_ALL} C.UTF-8)
get_filename_component(work ${OUT} DIRECTORY)
file(MAKE_DIRECTORY ${work})

# The subcommands listed under "Subcommands:" in a CLI11 help text.
function(list_subcommands help out_var)
  set(names "")
  set(in_list OFF)
  string(REPLACE "\n" ";" lines "${help}")
  foreach(line IN LISTS lines)
    if(line MATCHES "^Subcommands:")
      set(in_list ON)
    elseif(in_list AND line MATCHES "^  ([a-z0-9][a-z0-9-]*)")
      list(APPEND names ${CMAKE_MATCH_1})
    elseif(in_list AND NOT line MATCHES "^ ")
      set(in_list OFF)
    endif()
  endforeach()
  set(${out_var} ${names} PARENT_SCOPE)
endfunction()

# Help text as a roff no-fill block (backslashes and leading dots escaped).
function(roff_block text out_var)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REPLACE "${EXE}" "${NAME}" text "${text}")
  string(REPLACE "-" "\\-" text "${text}")
  string(STRIP "${text}" text)
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  set(${out_var} ".nf\n${text}\n.fi\n" PARENT_SCOPE)
endfunction()

execute_process(COMMAND ${EXE} --help OUTPUT_VARIABLE top RESULT_VARIABLE rc ERROR_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} --help failed (${rc})")
endif()
list_subcommands("${top}" subs)
set(include_text "")
if(subs)
  string(APPEND include_text "[COMMANDS]\nEach command's own \\fB\\-\\-help\\fR:\n")
  foreach(sub IN LISTS subs)
    execute_process(COMMAND ${EXE} ${sub} --help OUTPUT_VARIABLE h RESULT_VARIABLE rc ERROR_QUIET)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "${EXE} ${sub} --help failed (${rc})")
    endif()
    roff_block("${h}" block)
    string(APPEND include_text ".SS \"${sub}\"\n${block}")
    list_subcommands("${h}" nested)
    foreach(n IN LISTS nested)
      execute_process(COMMAND ${EXE} ${sub} ${n} --help OUTPUT_VARIABLE hn RESULT_VARIABLE rc ERROR_QUIET)
      if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${EXE} ${sub} ${n} --help failed (${rc})")
      endif()
      roff_block("${hn}" block)
      string(APPEND include_text ".SS \"${sub} ${n}\"\n${block}")
    endforeach()
  endforeach()
endif()
string(APPEND include_text "[ENVIRONMENT]\n"
  ".TP\n\\fBDEPTHSCOPE_THREADS\\fR\nThreads for tensor math when \\fB\\-\\-threads\\fR is not given (0 = all cores).\n"
  ".TP\n\\fBDEPTHSCOPE_SPM_PLUGIN\\fR\nThe sentencepiece plugin to load instead of the installed one "
  "(\\fI/usr/lib/depthscope/plugins/libdepthscope_sentencepiece.so\\fR in the package).\n"
  "[FILES]\n.TP\n\\fI/usr/share/depthscope/specs/\\fR\nExample training specs; \\fBtrain \\-\\-spec\\fR accepts their names.\n"
  ".TP\n\\fI/usr/share/depthscope/examples/\\fR\nThe example Pre-LN and LNS models (File > Open example).\n")
if(SEE_ALSO)
  string(APPEND include_text "[SEE ALSO]\n.BR ${SEE_ALSO} (1)\n")
endif()
file(WRITE ${work}/${NAME}.h2m "${include_text}")

# help2man prints the path it ran; run it by name from the executable's folder instead.
get_filename_component(exe_dir ${EXE} DIRECTORY)
set(page ${work}/${NAME}.1)
execute_process(
  COMMAND ${CMAKE_COMMAND} -E env PATH=${exe_dir}:$ENV{PATH}
          ${HELP2MAN} --no-info --section=1 --locale=C.UTF-8 "--name=${DESCRIPTION}"
          "--version-string=${NAME} ${VERSION}" --include=${work}/${NAME}.h2m
          --output=${page} ${NAME}
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "help2man ${NAME} failed (${rc}): ${err}")
endif()
file(READ ${page} roff)
string(REPLACE "${EXE}" "${NAME}" roff "${roff}")
file(WRITE ${page} "${roff}")
execute_process(COMMAND ${GZIP} -9nf ${page} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip ${page} failed (${rc})")
endif()
file(RENAME ${page}.gz ${OUT})

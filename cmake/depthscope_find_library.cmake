# ds_find_library(NAME MODULE HEADER LIBRARY...): a C library as the target DepthScope::<NAME>.
# Through pkg-config (module MODULE) when pkg-config is there and no staged prefix is in use
# (DEPTHSCOPE_DEPS_DIR, tests/gpu/stage.sh); else find_path(HEADER) + find_library(LIBRARY...),
# which search CMAKE_PREFIX_PATH first: a machine without pkg-config or without Debian's -dev
# packages (the GPU machine) finds the staged copies. Sets <NAME>_FOUND in the caller.
function(ds_find_library name module header)
  set(libraries ${ARGN})
  if(PKG_CONFIG_FOUND AND NOT DEPTHSCOPE_DEPS_DIR)
    pkg_check_modules(${name} QUIET IMPORTED_TARGET ${module})
    if(TARGET PkgConfig::${name})
      add_library(DepthScope::${name} ALIAS PkgConfig::${name})
      set(${name}_FOUND TRUE PARENT_SCOPE)
      return()
    endif()
  endif()
  find_path(DS_${name}_INCLUDE_DIR ${header})
  set(paths)
  set(found TRUE)
  if(NOT DS_${name}_INCLUDE_DIR)
    set(found FALSE)
  endif()
  foreach(lib ${libraries})
    find_library(DS_${name}_${lib}_LIBRARY ${lib})
    if(DS_${name}_${lib}_LIBRARY)
      list(APPEND paths ${DS_${name}_${lib}_LIBRARY})
    else()
      set(found FALSE)
    endif()
  endforeach()
  if(found)
    add_library(DepthScope::${name} INTERFACE IMPORTED GLOBAL)
    set_target_properties(DepthScope::${name} PROPERTIES
      INTERFACE_INCLUDE_DIRECTORIES "${DS_${name}_INCLUDE_DIR}"
      INTERFACE_LINK_LIBRARIES "${paths}")
    message(STATUS "${module}: ${paths} (${header} in ${DS_${name}_INCLUDE_DIR})")
  endif()
  set(${name}_FOUND ${found} PARENT_SCOPE)
endfunction()

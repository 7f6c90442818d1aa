# `cmake --build build --target package` -> depthscope_<version>_amd64.deb (or, with
# -DDEPTHSCOPE_GUI=OFF, depthscope-cli_<version>_amd64.deb with the CLI alone).
# Included from the top-level CMakeLists.txt after packaging/ (layout.cmake names the package).
# Depends comes from the ELF files themselves (dpkg-shlibdeps, package dpkg-dev), plus what is
# loaded at run time without being linked: Qt's platform plugins (xcb, offscreen), and the
# fonts and BLAS DepthScope is tuned for (Recommends).
include(${CMAKE_CURRENT_LIST_DIR}/layout.cmake)  # DS_PACKAGE_NAME in this scope too
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ${DS_PACKAGE_NAME})
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "The DepthScope authors")
set(CPACK_PACKAGE_CONTACT "${DEPTHSCOPE_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR})
set(CPACK_OUTPUT_FILE_PREFIX packages)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_NAME ${DS_PACKAGE_NAME})
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE ${DEPTHSCOPE_HOMEPAGE})
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
# CPack indents the extended description itself and turns empty lines into " .".
string(CONCAT ds_long
  "DepthScope loads a transformer language model (Hugging Face folder,\n"
  "safetensors or llama2.c checkpoint) and measures what each layer does to the\n"
  "residual stream, as in the paper The Curse of Depth in Large Language Models:\n"
  "per-layer variance, angular distances, the cost of removing each layer, block\n"
  "Jacobians, and training of small Pre-LN and LayerNorm Scaling models.\n\n")
if(DS_PACKAGE_NAME STREQUAL "depthscope")
  set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
      "desktop lab for the Curse of Depth in language models\n${ds_long}This package holds the Qt desktop program depthscope and the command-line\nprogram depthscope-cli.")
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins")
  set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "fonts-dejavu-core, libopenblas0-openmp")
  set(CPACK_DEBIAN_PACKAGE_CONFLICTS "depthscope-cli")
  set(CPACK_DEBIAN_PACKAGE_REPLACES "depthscope-cli")
  set(CPACK_DEBIAN_PACKAGE_PROVIDES "depthscope-cli")
else()
  set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
      "Curse of Depth lab for language models (command line)\n${ds_long}This package holds the command-line program depthscope-cli alone, for\nmachines without a display.")
  set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libopenblas0-openmp")
  set(CPACK_DEBIAN_PACKAGE_CONFLICTS "depthscope")
endif()
include(CPack)

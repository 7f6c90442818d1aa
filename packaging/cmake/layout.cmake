# Install directories, relative to the prefix, and the package name (one place).
set(DS_BIN_DIR bin)
# Private plugins in lib/depthscope/plugins: a shared object directly in a subfolder of lib/
# makes CPack add ldconfig calls in postinst/postrm (its multiarch heuristic), pointless for a
# dlopened plugin, and a postrm keeps the removed package in dpkg's "config-files" state.
set(DS_PRIVATE_LIB_DIR lib/depthscope/plugins)
set(DS_DATA_DIR share/depthscope)
set(DS_MAN_DIR share/man/man1)
# The full GUI build is the package "depthscope"; -DDEPTHSCOPE_GUI=OFF packages the CLI alone.
if(TARGET depthscope)
  set(DS_PACKAGE_NAME depthscope)
else()
  set(DS_PACKAGE_NAME depthscope-cli)
endif()
set(DS_DOC_DIR share/doc/${DS_PACKAGE_NAME})

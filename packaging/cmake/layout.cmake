# Install directories, relative to the prefix, and the package name (one place).
set(DS_BIN_DIR bin)
set(DS_PRIVATE_LIB_DIR lib/depthscope)
set(DS_DATA_DIR share/depthscope)
set(DS_MAN_DIR share/man/man1)
# The full GUI build is the package "depthscope"; -DDEPTHSCOPE_GUI=OFF packages the CLI alone.
if(TARGET depthscope)
  set(DS_PACKAGE_NAME depthscope)
else()
  set(DS_PACKAGE_NAME depthscope-cli)
endif()
set(DS_DOC_DIR share/doc/${DS_PACKAGE_NAME})

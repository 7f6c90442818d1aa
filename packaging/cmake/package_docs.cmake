# /usr/share/doc/<package>/copyright and changelog.gz, which Debian policy asks of every
# package (lintian: no-copyright-file, no-changelog). The changelog is written from the
# project version so that it cannot disagree with the package's.
install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/debian/copyright DESTINATION ${DS_DOC_DIR})

set(changelog ${PROJECT_BINARY_DIR}/packaging/changelog)
file(WRITE ${changelog}
  "${DS_PACKAGE_NAME} (${PROJECT_VERSION}) unstable; urgency=medium\n\n"
  "  * Release ${PROJECT_VERSION}: see README.md and docs/ in the source tree.\n\n"
  " -- ${DEPTHSCOPE_MAINTAINER}  ${DEPTHSCOPE_RELEASE_DATE_RFC2822}\n")
add_custom_command(
  OUTPUT ${changelog}.gz
  COMMAND ${GZIP_EXECUTABLE} -9nkf ${changelog}
  DEPENDS ${changelog}
  VERBATIM)
add_custom_target(depthscope_changelog ALL DEPENDS ${changelog}.gz)
install(FILES ${changelog}.gz DESTINATION ${DS_DOC_DIR})

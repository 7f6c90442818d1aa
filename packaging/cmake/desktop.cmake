# Desktop integration of the GUI (freedesktop.org): menu entry, icons at the hicolor sizes
# (rendered at build time from resources/depthscope.svg, the icon the window already uses),
# AppStream metainfo, and MIME types for *.safetensors and *.gguf that the menu entry opens.
# The package needs no maintainer scripts: Debian's desktop-file-utils, hicolor-icon-theme
# and shared-mime-info refresh their caches from dpkg file triggers.
set(DS_ICON_SIZES 16 22 24 32 48 64 128 256 512)
set(DS_APP_ID io.github.depthscope.depthscope)

add_executable(depthscope_render_icon ${CMAKE_CURRENT_SOURCE_DIR}/linux/render_icon.cpp)
target_link_libraries(depthscope_render_icon PRIVATE Qt6::Gui Qt6::Svg)

set(icon_svg ${PROJECT_SOURCE_DIR}/resources/depthscope.svg)
set(icon_pngs "")
foreach(size IN LISTS DS_ICON_SIZES)
  list(APPEND icon_pngs ${PROJECT_BINARY_DIR}/icons/${size}/depthscope.png)
endforeach()
add_custom_command(
  OUTPUT ${icon_pngs}
  COMMAND depthscope_render_icon ${icon_svg} ${PROJECT_BINARY_DIR}/icons ${DS_ICON_SIZES}
  DEPENDS depthscope_render_icon ${icon_svg}
  COMMENT "Icons: depthscope.svg at ${DS_ICON_SIZES} px"
  VERBATIM)
add_custom_target(depthscope_icons ALL DEPENDS ${icon_pngs})
foreach(size IN LISTS DS_ICON_SIZES)
  install(FILES ${PROJECT_BINARY_DIR}/icons/${size}/depthscope.png
          DESTINATION share/icons/hicolor/${size}x${size}/apps)
endforeach()
install(FILES ${icon_svg} DESTINATION share/icons/hicolor/scalable/apps)

install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/linux/depthscope.desktop DESTINATION share/applications)
install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/linux/depthscope-mime.xml DESTINATION share/mime/packages
        RENAME depthscope.xml)
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/linux/metainfo.xml.in
               ${PROJECT_BINARY_DIR}/${DS_APP_ID}.metainfo.xml @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/${DS_APP_ID}.metainfo.xml DESTINATION share/metainfo)

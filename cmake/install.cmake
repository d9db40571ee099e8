# `cmake --install` and the .deb (CPack): an app's layout under the prefix.
#   bin/mae, bin/mae-studio
#   share/mae-studio/{assets,configs,shaders}  found by the binaries from their own
#                                              path (core/runtime/assets.cpp)
#   share/mae-studio/docs/ablations            the sweeps' shipped results, beside
#                                              configs/ as in the source tree
#   share/applications/mae-studio.desktop, share/icons/hicolor/scalable/apps/mae-studio.svg
set(MAE_DATA_DIR share/mae-studio)

install(TARGETS mae RUNTIME DESTINATION bin)
if(MAE_BUILD_APP)
  install(TARGETS mae-studio RUNTIME DESTINATION bin)
  install(FILES packaging/mae-studio.desktop DESTINATION share/applications)
  install(FILES packaging/mae-studio.svg DESTINATION share/icons/hicolor/scalable/apps)
endif()
install(DIRECTORY assets/ DESTINATION ${MAE_DATA_DIR}/assets)
install(DIRECTORY configs/ DESTINATION ${MAE_DATA_DIR}/configs)
install(DIRECTORY shaders/ DESTINATION ${MAE_DATA_DIR}/shaders)
install(DIRECTORY docs/ablations/ DESTINATION ${MAE_DATA_DIR}/docs/ablations)
install(FILES README.md LICENSE DESTINATION share/doc/mae-studio OPTIONAL)

# scripts/package.sh: cpack -G DEB in the build folder.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mae-studio)
set(CPACK_PACKAGE_VENDOR "MAE Studio")
set(CPACK_PACKAGE_CONTACT "MAE Studio developers <mae-studio@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Masked Autoencoder explorer, trainer and evaluator")
set(CPACK_PACKAGE_DESCRIPTION
    "Mask a photo and watch a Masked Autoencoder (He et al., CVPR 2022) fill it in; open \
official and HuggingFace checkpoints; pre-train, probe and fine-tune your own; re-run the \
paper's ablations. Desktop app (mae-studio) and command-line tool (mae).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
# The shared libraries' packages come from dpkg-shlibdeps (LibTorch, OpenCV,
# GLFW, protobuf, ...); these are loaded otherwise: the BLAS LibTorch needs to be
# fast (an alternative, not a link) and the UI font.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-openmp, fonts-dejavu-core")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "dataset-fashion-mnist")
# gzip: xz takes minutes on a laptop for the bundled models and saves little.
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)
include(CPack)

# vcpkg port for weft: header-only, so one release configure and no debug tree.
set(VCPKG_BUILD_TYPE release)

vcpkg_from_github(
    OUT_SOURCE_PATH SOURCE_PATH
    REPO OWNER/weft   # TODO(release): the GitHub owner of weft's repository
    REF "v${VERSION}"
    SHA512 0          # TODO(release): the SHA512 vcpkg reports for the v${VERSION} tarball
    HEAD_REF main
)

# The config goes straight to share/weft, where vcpkg wants it: vcpkg_cmake_config_fixup then has
# nothing to move and no _IMPORT_PREFIX to rewrite. weft's own tests, examples and benchmarks are
# off, so the build looks for neither Eigen, xtensor nor doctest: the features only install the
# backends for the consumer's find_package(weft COMPONENTS ...).
vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        -DWEFT_BUILD_TESTS=OFF
        -DWEFT_BUILD_EXAMPLES=OFF
        -DWEFT_BUILD_BENCH=OFF
        -DWEFT_INSTALL=ON
        "-DWEFT_INSTALL_CMAKEDIR=share/${PORT}"
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(PACKAGE_NAME weft CONFIG_PATH "share/${PORT}")

vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")

# Conan 2 recipe for weft: header-only, C++20. The backends and the model runtimes are options, one
# per CMake component; none is on by default, as find_package(weft) without components requires none
# (see docs/packaging.md).
#   with_eigen, with_xtensor   the tensor backends
#   with_onnx                  weft/onnx.hpp: OpenCV's DNN module (opencv, dnn on) and libonnx (onnx)
#   with_xgboost               weft/xgboost.hpp: the XGBoost C API (xgboost)
#   with_torch                 weft/torch.hpp: libtorch, which Conan Center does not have: the option
#                              requires no package, find_package(weft COMPONENTS torch) finds the
#                              system's libtorch (g++ only: clang++ 14 cannot compile its headers)
#   with_config                weft/config.hpp, weft/fingerprint.hpp: nlohmann_json and openssl
#                              (libcrypto's SHA-256); needs with_eigen (configured values are Eigen)
#   with_serve                 weft/serve.hpp (the Open Inference Protocol server): cpp-httplib and
#                              nlohmann_json
#
#   conan create . -o "weft/*:with_eigen=True" -s compiler.cppstd=20
#
# Consumers use CMakeDeps + CMakeToolchain: find_package(weft CONFIG REQUIRED), weft::weft.
import os

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.files import copy
from conan.tools.layout import basic_layout
from conan.tools.scm import Version

required_conan_version = ">=2.0"


class WeftConan(ConanFile):
    name = "weft"
    version = "0.1.0"
    license = "BSL-1.0"
    description = "Compile-time composition of ML models over Eigen and xtensor (header-only, C++20)"
    topics = ("machine-learning", "header-only", "eigen", "xtensor", "compile-time")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    options = {
        "with_eigen": [True, False],
        "with_xtensor": [True, False],
        "with_onnx": [True, False],
        "with_xgboost": [True, False],
        "with_torch": [True, False],
        "with_config": [True, False],
        "with_serve": [True, False],
    }
    default_options = {
        "with_eigen": False,
        "with_xtensor": False,
        "with_onnx": False,
        "with_xgboost": False,
        "with_torch": False,
        "with_config": False,
        "with_serve": False,
    }
    exports_sources = "include/*", "LICENSE"
    no_copy_source = True

    # The compilers weft is built and tested with; older ones are refused.
    _minimum_compilers = {"gcc": "12", "clang": "14"}

    def layout(self):
        basic_layout(self, src_folder=".")

    def requirements(self):
        # weft's headers include the backend's: a consumer compiles them too.
        # Ranges, not pins: Conan Center has eigen 3.4.x and xtensor 0.24.7 and later; weft is
        # tested with Debian's Eigen 3.4.0 and xtensor 0.24.3.
        if self.options.with_eigen:
            self.requires("eigen/[>=3.4.0 <4]", transitive_headers=True)
        if self.options.with_xtensor:
            self.requires("xtensor/[>=0.24.3 <0.25]", transitive_headers=True)
        # The runtimes: weft's runtime headers include theirs, and a consumer links them. Tested with
        # Debian 12's OpenCV 4.6, ONNX 1.12 and XGBoost 1.7.
        if self.options.with_onnx:
            self.requires("opencv/[>=4.6 <5]", transitive_headers=True, transitive_libs=True)
            self.requires("onnx/[>=1.12 <2]", transitive_headers=True, transitive_libs=True)
        if self.options.with_xgboost:
            self.requires("xgboost/[>=1.7 <3]", transitive_headers=True, transitive_libs=True)
        # Pipelines from JSON and fingerprints: tested with Debian 12's nlohmann-json 3.11.2 and
        # OpenSSL 3.0.
        if self.options.with_config:
            self.requires("nlohmann_json/[>=3.11 <4]", transitive_headers=True)
            self.requires("openssl/[>=3.0 <4]", transitive_headers=True, transitive_libs=True)
        # The server: tested with Debian 12's cpp-httplib 0.11.4 and nlohmann-json 3.11.2.
        if self.options.with_serve:
            self.requires("cpp-httplib/[>=0.11 <1]", transitive_headers=True, transitive_libs=True)
            self.requires("nlohmann_json/[>=3.11 <4]", transitive_headers=True)

    def configure(self):
        if self.options.with_onnx:
            self.options["opencv"].dnn = True   # weft::onnx_model runs files with cv::dnn

    def package_id(self):
        self.info.clear()

    def validate(self):
        if self.options.with_config and not self.options.with_eigen:
            raise ConanInvalidConfiguration(f"{self.ref}: with_config needs with_eigen (configured values are Eigen)")
        if self.settings.compiler.get_safe("cppstd"):
            check_min_cppstd(self, 20)
        minimum = self._minimum_compilers.get(str(self.settings.compiler))
        if minimum and Version(self.settings.compiler.version) < minimum:
            raise ConanInvalidConfiguration(
                f"{self.ref} requires {self.settings.compiler} >= {minimum} (C++20)")

    def source(self):
        pass  # exports_sources: the recipe lives in weft's own repository

    def build(self):
        pass  # header-only

    def package(self):
        copy(self, "LICENSE", src=self.source_folder,
             dst=os.path.join(self.package_folder, "licenses"))
        copy(self, "*.hpp", src=os.path.join(self.source_folder, "include"),
             dst=os.path.join(self.package_folder, "include"))

    def package_info(self):
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        # The same names as weft's own CMake package: a consumer's CMakeLists.txt does not change.
        self.cpp_info.set_property("cmake_file_name", "weft")
        self.cpp_info.set_property("cmake_target_name", "weft::weft")

# Conan 2 test_package for weft: builds test_package.cpp against the package with CMakeDeps and
# CMakeToolchain and runs it. The options of weft decide which backends it exercises.
import os

from conan import ConanFile
from conan.tools.build import can_run
from conan.tools.cmake import CMake, CMakeToolchain, cmake_layout


class WeftTestPackageConan(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    generators = "CMakeDeps"

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self)

    def generate(self):
        weft = self.dependencies["weft"]
        tc = CMakeToolchain(self)
        tc.cache_variables["WEFT_WITH_EIGEN"] = bool(weft.options.with_eigen)
        tc.cache_variables["WEFT_WITH_XTENSOR"] = bool(weft.options.with_xtensor)
        tc.cache_variables["WEFT_WITH_ONNX"] = bool(weft.options.with_onnx)
        tc.cache_variables["WEFT_WITH_XGBOOST"] = bool(weft.options.with_xgboost)
        tc.cache_variables["WEFT_WITH_TORCH"] = bool(weft.options.with_torch)
        tc.cache_variables["WEFT_WITH_CONFIG"] = bool(weft.options.with_config)
        tc.cache_variables["WEFT_WITH_SERVE"] = bool(weft.options.with_serve)
        tc.generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def test(self):
        if can_run(self):
            self.run(os.path.join(self.cpp.build.bindir, "test_package"), env="conanrun")

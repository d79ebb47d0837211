"""Conan 2 recipe of strait (docs/packaging.md).

From a checkout:  conan create . --build=missing
Then, in a project's conanfile.txt: [requires] strait/0.1.0, [generators]
CMakeDeps and CMakeToolchain; in its CMakeLists.txt:
    find_package(strait REQUIRED)
    target_link_libraries(my_app PRIVATE strait::strait)
"""
import os
import re

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load, rmdir


class StraitConan(ConanFile):
    name = "strait"
    description = "One message channel over every IPC mechanism, on every platform"
    license = "MIT"
    url = "https://github.com/OWNER/REPO"
    topics = ("ipc", "named-pipes", "mailslot", "shared-memory", "asio")
    package_type = "library"
    settings = "os", "arch", "compiler", "build_type"
    options = {"shared": [True, False], "fPIC": [True, False]}
    default_options = {"shared": False, "fPIC": True}
    # What the library's build needs, nothing of the tests, examples or tools.
    exports_sources = ("CMakeLists.txt", "LICENSE", "cmake/*", "core/*", "platform/*")

    def set_version(self):
        # The version lives in one place: CMakeLists.txt's project(VERSION).
        text = load(self, os.path.join(self.recipe_folder, "CMakeLists.txt"))
        self.version = re.search(r"project\(strait VERSION ([0-9.]+)", text).group(1)

    def config_options(self):
        if self.settings.os == "Windows":
            del self.options.fPIC

    def configure(self):
        if self.options.shared:
            self.options.rm_safe("fPIC")

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        # strait's public headers include asio's; fmt is used inside only.
        self.requires("asio/[>=1.22 <2]", transitive_headers=True)
        self.requires("fmt/[>=9 <11]")

    def validate(self):
        check_min_cppstd(self, 20)

    def generate(self):
        toolchain = CMakeToolchain(self)
        toolchain.cache_variables["STRAIT_BUILD_TESTS"] = False
        toolchain.cache_variables["STRAIT_BUILD_EXAMPLES"] = False
        toolchain.cache_variables["STRAIT_BUILD_TOOLS"] = False
        toolchain.cache_variables["STRAIT_BUILD_BENCH"] = False
        toolchain.cache_variables["STRAIT_INSTALL"] = True
        toolchain.generate()
        CMakeDeps(self).generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        CMake(self).install()
        # Conan's CMakeDeps writes the consumers' strait-config.cmake itself.
        rmdir(self, os.path.join(self.package_folder, "lib", "cmake"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "strait")
        self.cpp_info.set_property("cmake_target_name", "strait::strait")
        self.cpp_info.libs = ["strait"]
        self.cpp_info.requires = ["asio::asio", "fmt::fmt"]
        if self.settings.os in ("Linux", "FreeBSD"):
            self.cpp_info.system_libs = ["pthread", "rt"]
        elif self.settings.os == "Windows":
            self.cpp_info.system_libs = ["ws2_32", "mswsock", "advapi32"]

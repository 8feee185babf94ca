# Thin wrapper over CMake. `make run` and `make test` are the README's quick start.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: deps configure build run test test-release test-asan test-tsan test-package fuzz bench deb clean

deps:
	@./scripts/install-deps.sh

# The same configuration as the release phase of `make test` (scripts/test.sh), so that
# `make run`, `make deb` and `make test` share one build folder and its objects.
configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DSMP_WERROR=ON $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Builds only the server (not the client, the agent or the tests), then starts it.
run: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target smp-server
	@./scripts/run-server.sh $(BUILD_DIR)

test: deps
	@./scripts/test.sh

# One phase of `make test` at a time (see scripts/test.sh and RELIABILITY.md).
test-release: deps
	@./scripts/test.sh release

test-asan: deps
	@./scripts/test.sh asan

test-tsan: deps
	@./scripts/test.sh tsan

test-package: deps
	@./scripts/test.sh package

fuzz: deps
	@./scripts/test.sh fuzz

bench: build
	@$(BUILD_DIR)/bin/smp_microbench

# The Debian package, $(BUILD_DIR)/deb/simplexmq-cpp_<version>_<arch>.deb (scripts/make-deb.sh).
deb: configure
	@./scripts/install-deps.sh package
	@./scripts/make-deb.sh $(BUILD_DIR)

clean:
	rm -rf build build-*

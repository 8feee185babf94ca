# Thin wrapper over CMake. `make run` and `make test` are the README's quick start.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: deps build run test test-unit test-asan fuzz bench clean

deps:
	@./scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	@./scripts/run-server.sh $(BUILD_DIR)

test: deps
	@./scripts/test.sh

bench: build
	@$(BUILD_DIR)/bin/smp_microbench

clean:
	rm -rf build build-*

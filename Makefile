# Thin wrapper over CMake. `make run` and `make test` are the README's quick start.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: deps build run test test-release test-asan test-tsan fuzz bench clean

deps:
	@./scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
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

fuzz: deps
	@./scripts/test.sh fuzz

bench: build
	@$(BUILD_DIR)/bin/smp_microbench

clean:
	rm -rf build build-*

# Makefile — the two commands a newcomer needs (README):
#   make check   install what is missing, build with ASan+UBSan, run every test
#   make demo    install, build, run the main job; reports land in reports/
# Everything else is CMake; this file only wraps it.

BUILD      ?= build
BUILD_SAN  ?= build-san
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CTEST_ARGS ?=

.PHONY: all setup build build-san check demo clean format

all: build

setup:
	@scripts/setup

build: setup
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARLEY_SANITIZE=OFF -DPARLEY_WERROR=ON
	cmake --build $(BUILD) -j $(JOBS)

build-san: setup
	cmake -S . -B $(BUILD_SAN) -DCMAKE_BUILD_TYPE=Debug -DPARLEY_SANITIZE=ON -DPARLEY_WERROR=ON
	cmake --build $(BUILD_SAN) -j $(JOBS)

# check builds the optimized tree too: -O2 finds warnings (-Werror) that -O0 does not.
check: build build-san
	cd $(BUILD_SAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

demo: build
	@scripts/demo $(BUILD)/parley

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(BUILD_SAN)
	rm -f reports/*.xml reports/*.jsonl reports/*.html reports/*.json

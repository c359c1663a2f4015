"""fuzz_test: one libFuzzer target, run two ways.

`name` is a cc_test that links the target with fuzz_main.cc (no libFuzzer,
so it builds with gcc in `bazel test //...`): it replays the seed corpus,
then mutates it for a bounded time. `name + "_libfuzzer"` links the same
target with libFuzzer; build it with `--config=fuzz` (clang, ASan) and run
it on the corpus for coverage-guided fuzzing (tests/fuzz/run_libfuzzer.sh).
"""

def fuzz_test(name, srcs, deps, corpus):
    native.cc_test(
        name = name,
        size = "small",
        srcs = srcs + ["//tests/fuzz:fuzz_main.cc"],
        deps = deps,
        data = native.glob([corpus + "/*"]),
        args = [native.package_name() + "/" + corpus],
    )
    native.cc_binary(
        name = name + "_libfuzzer",
        srcs = srcs,
        deps = deps,
        linkopts = ["-fsanitize=fuzzer"],
        tags = ["manual"],
    )

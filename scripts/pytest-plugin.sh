#!/usr/bin/env bash
# The Python package (issue 16), tested the way a user gets it: build the wheel with maturin
# (`bindings = "bin"`: the binary plus the pytest plugin under python/), install it into a fresh
# virtualenv outside the repository with the official SDK, then run, from outside the repository:
#   - the binary from the wheel: `ecs-imagebuilder-emulator lint` on a good and a bad template;
#   - mypy --strict over the plugin (it ships py.typed);
#   - tests/pytest_plugin/: the plugin's own tests and a sample suite that uses only the fixture;
#   - the README's "Testing with pytest" example, extracted from README.md as written.
#
# The wheel is built with `--profile dev --strip`: it reuses the debug build that scripts/test.sh
# made just before (seconds instead of the minutes of a cold release build on 2 cores) and
# strips the debug info (a 6 MB wheel instead of 125 MB). `pip install .` builds the release
# profile; that path is the same maturin configuration (pyproject.toml); IBE_WHEEL_PROFILE=release
# builds the wheel as `pip install .` does (minutes on 2 cores). The tools (maturin, mypy)
# live in ${IBE_CACHE:-~/.cache/ecs-imagebuilder-emulator}/<tool>-<version>/, keyed by version.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${IBE_CACHE:-$HOME/.cache/ecs-imagebuilder-emulator}"
python="${PYTHON:-python3}"

# One place for the maturin version: the build requirement of pyproject.toml.
maturin_version="$(sed -n 's/^requires = \["maturin==\([0-9.]*\)"\]$/\1/p' "$repo/pyproject.toml")"
[ -n "$maturin_version" ] || { echo "pytest-plugin: no maturin pin in pyproject.toml" >&2; exit 1; }
mypy_version=2.4.1

# tool_venv NAME VERSION PACKAGE: a cached virtualenv with PACKAGE==VERSION; prints its bin dir.
tool_venv() {
    local dir="$cache/$1-$2"
    if [ ! -x "$dir/bin/$1" ]; then
        rm -rf "$dir"
        "$python" -m venv "$dir"
        "$dir/bin/pip" install --quiet --disable-pip-version-check "$3==$2" >&2
    fi
    echo "$dir/bin"
}
maturin_bin="$(tool_venv maturin "$maturin_version" maturin)"
mypy_bin="$(tool_venv mypy "$mypy_version" mypy)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

profile="${IBE_WHEEL_PROFILE:-dev}"
echo "==> wheel: maturin $maturin_version build --profile $profile --strip"
start=$SECONDS
(cd "$repo" && "$maturin_bin/maturin" build --locked --profile "$profile" --strip --out "$work/wheels" >"$work/maturin.log" 2>&1) || {
    cat "$work/maturin.log" >&2
    exit 1
}
wheel="$(ls "$work"/wheels/*.whl)"
echo "    $(basename "$wheel") ($(du -h "$wheel" | cut -f1)) in $((SECONDS - start)) s"

echo "==> fresh virtualenv outside the repository: the wheel + the official SDK"
"$python" -m venv "$work/venv"
# The SDK and pytest at the versions tests/sdk pins (one place for them).
pins=()
for name in alibabacloud-ecs20140526 alibabacloud-tea-openapi pytest; do
    pins+=("$(grep -E "^$name==" "$repo/tests/sdk/requirements.txt")")
done
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "$wheel" "${pins[@]}"
venv_python="$work/venv/bin/python"
# What the plugin finds must be what pip installed, not the repository's build.
unset IBE_BIN

echo "==> lint from the wheel"
mkdir "$work/lint"
printf 'RUN yum install -y nginx\nRESTART\n' >"$work/lint/good.txt"
printf 'RUN echo ok\nCOPY onlyone\n' >"$work/lint/bad.txt"
"$work/venv/bin/ecs-imagebuilder-emulator" lint "$work/lint/good.txt"
if output="$("$work/venv/bin/ecs-imagebuilder-emulator" lint "$work/lint/good.txt" "$work/lint/bad.txt")"; then
    echo "pytest-plugin: lint accepted an invalid template" >&2
    exit 1
fi
case "$output" in
    "$work/lint/bad.txt:2: InvalidCommandContent.COPY: "*) echo "    $output" ;;
    *) echo "pytest-plugin: unexpected lint output: $output" >&2; exit 1 ;;
esac

echo "==> mypy $mypy_version --strict over the plugin"
"$mypy_bin/mypy" --strict --python-executable "$venv_python" --cache-dir "$work/mypy-cache" \
    "$repo/python/ecs_imagebuilder_emulator"

# Run from outside the repository, without its cache, so nothing of the checkout is imported.
cd "$work"
echo "==> pytest plugin: tests/pytest_plugin (the plugin's tests and a sample suite using only the fixture)"
"$venv_python" -m pytest "$repo/tests/pytest_plugin" -p pytester -p no:cacheprovider -q

echo "==> README 'Testing with pytest' example, extracted from README.md as written"
mkdir "$work/readme"
awk '/<!-- readme-example: pytest -->/ {found = 1; next}
     found && /^```python$/ {inside = 1; next}
     inside && /^```$/ {exit}
     inside {print}' "$repo/README.md" >"$work/readme/test_readme_example.py"
[ -s "$work/readme/test_readme_example.py" ] || { echo "pytest-plugin: no README example found" >&2; exit 1; }
(cd "$work/readme" && "$venv_python" -m pytest test_readme_example.py -p no:cacheprovider -q)


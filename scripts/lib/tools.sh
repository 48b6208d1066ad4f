# Sourced by the test scripts. Builds third-party Go tools from the Go module proxy at pinned
# versions and caches the binaries OUTSIDE the repository, keyed by version:
#
#   ${IBE_CACHE:-$HOME/.cache/ecs-imagebuilder-emulator}/<tool>-<version>/bin/<binary>
#   ${IBE_CACHE:-…}/<tool>-<version>/build-seconds   (how long the cold build took)
#
# A second run finds the binary and skips the build. Nothing is committed and nothing comes from
# anywhere but the Go module proxy (`go mod download`).

ibe_cache="${IBE_CACHE:-$HOME/.cache/ecs-imagebuilder-emulator}"

# The aliyun/alicloud provider that the Terraform steps use (scripts/tofu.sh builds it,
# scripts/provider-acceptance.sh compiles its acceptance tests): one place for the version and the
# recipe. 1.286–1.289 are not served by the module proxy; 1.285.0 is the nearest that is. Two of its
# dependencies at that version are not served either (`alibabacloud-gateway-oss` 0.0.26 and
# `-oss-util` 0.0.14); the versions provider 1.240.0 pins are, and the provider builds against them
# (they are only used for OSS, which the emulator does not serve).
ALICLOUD_PROVIDER_MODULE=github.com/aliyun/terraform-provider-alicloud
ALICLOUD_PROVIDER_VERSION=v1.285.0
ALICLOUD_PROVIDER_REPLACES=(
    github.com/alibabacloud-go/alibabacloud-gateway-oss=github.com/alibabacloud-go/alibabacloud-gateway-oss@v0.0.11
    github.com/alibabacloud-go/alibabacloud-gateway-oss-util=github.com/alibabacloud-go/alibabacloud-gateway-oss-util@v0.0.3
)

# go_module_copy MODULE VERSION DEST [REPLACE…] downloads MODULE@VERSION through the module proxy
# (`go mod download`, into Go's module cache) and copies it into DEST (a new, writable folder),
# then adds each REPLACE (`old=new@version`) to the copy's go.mod with `go mod edit -replace`: the
# way to swap a dependency version that the module proxy does not serve for one it does.
go_module_copy() {
    local module="$1" version="$2" dest="$3"
    shift 3
    local src
    src="$(cd "$(dirname "$dest")" && GOFLAGS=-mod=mod go mod download -json "$module@$version" |
        sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    if [ -z "$src" ] || [ ! -f "$src/go.mod" ]; then
        echo "tools.sh: go mod download $module@$version gave no module directory" >&2
        return 1
    fi
    cp -R "$src" "$dest"
    chmod -R u+w "$dest"
    local replace
    for replace in "$@"; do
        (cd "$dest" && go mod edit -replace "$replace")
    done
}

# go_tool NAME MODULE VERSION PACKAGE BINARY [REPLACE…] prints the path of the cached BINARY built
# from PACKAGE (relative to the module root, e.g. ./cmd/tofu) of MODULE@VERSION, building it first
# if it is not cached yet. Build messages go to stderr. Each REPLACE (`old=new@version`) is added
# to the copy's go.mod with `go mod edit -replace` before the build: the way to swap a dependency
# version that the module proxy does not serve for one it does.
#
# The build happens inside a writable copy of the downloaded module rather than through
# `go install MODULE/PACKAGE@VERSION`, which refuses modules whose go.mod has `replace` directives
# (OpenTofu has one). -trimpath and -s -w keep the binaries small (the alicloud provider is huge).
go_tool() {
    local name="$1" module="$2" version="$3" package="$4" binary="$5"
    shift 5
    local dir="$ibe_cache/$name-$version"
    if [ -x "$dir/bin/$binary" ]; then
        echo "$dir/bin/$binary"
        return 0
    fi
    command -v go >/dev/null || { echo "tools.sh: Go is needed to build $module@$version" >&2; return 1; }
    mkdir -p "$ibe_cache"
    local tmp started
    tmp="$(mktemp -d "$ibe_cache/.build-$name-XXXXXX")"
    started="$(date +%s)"
    echo "==> building $module@$version (cold cache; cached in $dir)" >&2
    if ! go_module_copy "$module" "$version" "$tmp/src" "$@"; then
        rm -rf "$tmp"
        return 1
    fi
    mkdir -p "$tmp/bin"
    if ! (cd "$tmp/src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" \
        -o "$tmp/bin/$binary" "$package" >&2); then
        echo "tools.sh: building $module@$version failed" >&2
        rm -rf "$tmp"
        return 1
    fi
    echo $(($(date +%s) - started)) >"$tmp/build-seconds"
    rm -rf "$tmp/src"
    # Publish atomically: a concurrent or interrupted run never sees a half-built directory.
    rm -rf "$dir"
    mv "$tmp" "$dir"
    echo "==> built $module@$version in $(cat "$dir/build-seconds") s" >&2
    echo "$dir/bin/$binary"
}

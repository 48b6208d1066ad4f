#!/usr/bin/env bash
# The Go and Java clients against the built binary, three times: against an emulator in the default
# accept-any mode, against one started with --auth strict and the keys of tests/strict-keys.json,
# so every client's signatures are verified, not just accepted, and over HTTPS against one started
# with --tls (IBE_SCHEME=https; the CA trusted through SSL_CERT_FILE and a Java trust store). All
# run with --phase-duration 0 and a throw-away database.
#
#   tests/go    `go test`: github.com/alibabacloud-go/ecs-20140526/v7 (V3 and V1), the older
#               github.com/aliyun/alibaba-cloud-sdk-go ECS client, and its common request shaped as
#               the aliyun CLI sends it (POST and --method GET)
#   tests/java  `mvn test` (JUnit 5, Surefire): com.aliyun:ecs20140526 on com.aliyun:tea-openapi,
#               V3 and V1
#
# The tests read IBE_ENDPOINT (host:port), IBE_AUTH (strict or not), IBE_KEYS (the keys file) and
# IBE_SCHEME (http, or https with --tls).
# Modules and artifacts are pinned (tests/go/go.sum, tests/java/pom.xml) and cached where Go and
# Maven keep them: GOMODCACHE (default ~/go/pkg/mod) with the build cache in GOCACHE, and the Maven
# repository (~/.m2/repository, or MAVEN_REPO_LOCAL). Called by scripts/test.sh; run it alone after
# `cargo build`. Needs go and mvn with a JDK 17.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"

binary="${IBE_BIN:-$repo/target/debug/ecs-imagebuilder-emulator}"
[ -x "$binary" ] || { echo "go-java.sh: $binary not found: run 'cargo build' first" >&2; exit 1; }
for tool in go mvn java keytool; do
    command -v "$tool" >/dev/null || { echo "go-java.sh: $tool is needed" >&2; exit 1; }
done

# Everything talks to 127.0.0.1: keep any configured proxy out of the way (the registries are
# reached by go and mvn before the emulators start, with the environment's own settings).
keys="$repo/tests/strict-keys.json"
maven=(mvn -B -ntp -Dstyle.color=never)
if [ -n "${MAVEN_REPO_LOCAL:-}" ]; then
    maven+=("-Dmaven.repo.local=$MAVEN_REPO_LOCAL")
fi

echo "==> Go modules (tests/go/go.sum) and the Java test classes (tests/java/pom.xml)"
(cd tests/go && go mod download && go vet ./...)
(cd tests/java && "${maven[@]}" -q test-compile)

unset HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy

# shellcheck source=lib/emulator.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/emulator.sh"

# run_clients MODE: the Go and Java tests against the emulator on $port.
run_clients() {
    local mode="$1"
    export IBE_ENDPOINT="127.0.0.1:$port" IBE_AUTH="$mode" IBE_KEYS="$keys"
    run "Go SDKs and the aliyun CLI's request ($mode; tests/go, go test)" \
        sh -c 'cd tests/go && exec go test -count=1 -v ./...'
    run "Java SDK ($mode; tests/java, mvn test)" \
        sh -c 'cd tests/java && exec "$@" surefire:test' sh "${maven[@]}"
}

mkdir "$workdir/any" "$workdir/strict"
start_emulator go-java.sh "$binary" "$workdir/any" --phase-duration 0
echo "==> emulator (accept-any) on 127.0.0.1:$port"
run_clients accept-any
show_log "$workdir/any"
stop_emulator

start_emulator go-java.sh "$binary" "$workdir/strict" --phase-duration 0 --auth strict --fixtures "$keys"
echo "==> emulator (--auth strict, keys of tests/strict-keys.json) on 127.0.0.1:$port"
run_clients strict
show_log "$workdir/strict"
stop_emulator

# Once more over HTTPS (--tls, accept-any), each client with its HTTPS defaults and only the
# emulator's CA added the way its platform reads it: Go's crypto/x509 from SSL_CERT_FILE, Java
# from a PKCS12 trust store made with keytool and given to Surefire's test JVM as
# -Djavax.net.ssl.trustStore.
mkdir "$workdir/tls"
unset IBE_AUTH # run_clients exported it, and the emulator reads IBE_AUTH too
start_emulator go-java.sh "$binary" "$workdir/tls" --phase-duration 0 --tls
echo "==> emulator (--tls) on $scheme://127.0.0.1:$port, CA $tls_ca"
[ "$scheme" = https ] && [ -f "$tls_ca" ] || { echo "go-java.sh: --tls did not print https:// and a CA file" >&2; exit 1; }
truststore="$workdir/tls/truststore.p12"
keytool -importcert -noprompt -alias ecs-imagebuilder-emulator -file "$tls_ca" \
    -keystore "$truststore" -storetype PKCS12 -storepass changeit >/dev/null
export IBE_ENDPOINT="127.0.0.1:$port" IBE_AUTH=accept-any IBE_KEYS="$keys" IBE_SCHEME=https
run "Go SDKs and the aliyun CLI's request over HTTPS (SSL_CERT_FILE; tests/go, go test)" \
    env SSL_CERT_FILE="$tls_ca" sh -c 'cd tests/go && exec go test -count=1 -v ./...'
run "Java SDK over HTTPS (javax.net.ssl.trustStore; tests/java, mvn test)" \
    sh -c 'cd tests/java && exec "$@" surefire:test' sh "${maven[@]}" \
    "-DargLine=-Djavax.net.ssl.trustStore=$truststore -Djavax.net.ssl.trustStorePassword=changeit"
show_log "$workdir/tls"
exit "$status"

// Package clients drives the emulator with the Go clients people really use: the current SDK
// (github.com/alibabacloud-go/ecs-20140526/v7, V3 and V1 signatures), the older
// github.com/aliyun/alibaba-cloud-sdk-go ECS client, and that SDK's common request configured the
// way the aliyun CLI configures it (POST, and GET as with --method GET).
//
// The emulator is started by scripts/go-java.sh, which sets:
//
//	IBE_ENDPOINT  host:port of the running emulator (required)
//	IBE_SCHEME    "https" when it runs with --tls (default "http"); the CA comes from SSL_CERT_FILE
//	IBE_AUTH      "strict" when it runs with --auth strict and --fixtures tests/strict-keys.json
//	IBE_KEYS      the keys file (default ../strict-keys.json): it names the accounts every client
//	              uses, and in strict mode their AccessKeyIds and secrets
//
// Run by hand: IBE_ENDPOINT=127.0.0.1:8080 go test ./...   (an emulator started with --phase-duration 0)
package clients

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

// endpoint is IBE_ENDPOINT ("127.0.0.1:PORT").
var endpoint string

// scheme is IBE_SCHEME: "http" (default) or "https" (an emulator run with --tls, whose CA the
// clients trust through SSL_CERT_FILE, as crypto/x509 reads it on Linux).
var scheme = "http"

// strict is true when the emulator verifies signatures (IBE_AUTH=strict).
var strict bool

// keys maps a role's AccessKeyId (as in the keys file) to the key.
var keys map[string]accessKey

type accessKey struct {
	ID      string `json:"id"`
	Secret  string `json:"secret"`
	Account string `json:"account"`
}

func TestMain(m *testing.M) {
	// Everything talks to 127.0.0.1: the SDKs honour proxy variables, so drop them.
	for _, name := range []string{"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"} {
		os.Unsetenv(name)
	}
	endpoint = os.Getenv("IBE_ENDPOINT")
	if endpoint == "" {
		fmt.Fprintln(os.Stderr, "set IBE_ENDPOINT=host:port of a running emulator (scripts/go-java.sh does)")
		os.Exit(2)
	}
	if s := os.Getenv("IBE_SCHEME"); s != "" {
		scheme = s
	}
	strict = os.Getenv("IBE_AUTH") == "strict"
	path := os.Getenv("IBE_KEYS")
	if path == "" {
		path = "../strict-keys.json"
	}
	var file struct {
		AccessKeys []accessKey `json:"access_keys"`
	}
	data, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(data, &file)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot read the keys file %s: %v\n", path, err)
		os.Exit(2)
	}
	keys = map[string]accessKey{}
	for _, key := range file.AccessKeys {
		keys[key.ID] = key
	}
	os.Exit(m.Run())
}

// credential is what a client signs with: in strict mode the key of the file; otherwise the
// 16-digit account as the AccessKeyId (which makes it the caller's account) and any secret.
type credential struct {
	ID, Secret, Account string
}

func credentialOf(t *testing.T, keyID string) credential {
	t.Helper()
	key, ok := keys[keyID]
	if !ok {
		t.Fatalf("the keys file has no key %q", keyID)
	}
	if strict {
		return credential{ID: key.ID, Secret: key.Secret, Account: key.Account}
	}
	return credential{ID: key.Account, Secret: "any-secret", Account: key.Account}
}

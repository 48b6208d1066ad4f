package emulator;

import com.aliyun.ecs20140526.Client;
import com.aliyun.teaopenapi.models.Config;
import com.google.gson.Gson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The emulator the tests talk to, as scripts/go-java.sh describes it in the environment:
 * IBE_ENDPOINT (host:port, required), IBE_AUTH ("strict" under --auth strict) and IBE_KEYS (the
 * keys file, default ../strict-keys.json). The keys file names the account of every role; in
 * strict mode the clients sign with its AccessKeyIds and secrets, otherwise with the 16-digit
 * account as the AccessKeyId (which makes it the caller's account) and any secret.
 */
final class Emulator {
    static final String REGION = "cn-hangzhou";

    static final String ENDPOINT = required("IBE_ENDPOINT");
    static final boolean STRICT = "strict".equals(System.getenv("IBE_AUTH"));
    /** IBE_SCHEME: "https" against an emulator run with --tls (its CA in -Djavax.net.ssl.trustStore). */
    static final String SCHEME = System.getenv().getOrDefault("IBE_SCHEME", "http");
    private static final Map<String, Key> KEYS = loadKeys();

    private Emulator() {}

    /** One access key of the keys file. */
    record Key(String id, String secret, String account) {}

    private static final class KeysFile {
        List<Key> access_keys;
    }

    private static String required(String name) {
        String value = System.getenv(name);
        if (value == null || value.isEmpty()) {
            throw new IllegalStateException("set " + name + " (scripts/go-java.sh does)");
        }
        return value;
    }

    private static Map<String, Key> loadKeys() {
        String path = System.getenv().getOrDefault("IBE_KEYS", "../strict-keys.json");
        try {
            KeysFile file = new Gson().fromJson(Files.readString(Path.of(path), StandardCharsets.UTF_8), KeysFile.class);
            Map<String, Key> keys = new HashMap<>();
            for (Key key : file.access_keys) {
                keys.put(key.id(), key);
            }
            return keys;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the keys file " + path, e);
        }
    }

    /** What a role signs with: (AccessKeyId, secret, account). */
    static Key credential(String keyId) {
        Key key = KEYS.get(keyId);
        if (key == null) {
            throw new IllegalArgumentException("the keys file has no key " + keyId);
        }
        return STRICT ? key : new Key(key.account(), "any-secret", key.account());
    }

    /** The SDK client as a user configures it; signatureAlgorithm "v2" selects V1 (HMAC-SHA1). */
    static Client client(Key key, String signatureAlgorithm) throws Exception {
        Config config = new Config()
                .setAccessKeyId(key.id())
                .setAccessKeySecret(key.secret())
                .setEndpoint(ENDPOINT)
                .setProtocol(SCHEME)
                .setRegionId(REGION);
        if (signatureAlgorithm != null) {
            config.setSignatureAlgorithm(signatureAlgorithm);
        }
        return new Client(config);
    }
}

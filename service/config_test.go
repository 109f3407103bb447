package service

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// exampleConfig is the service's example configuration file.
const exampleConfig = "../examples/server/rosync.example.yaml"

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// exampleEnv are the secrets of rosync.example.yaml's shops, as the
// README says to give them.
var exampleEnv = map[string]string{
	"ROSYNC_ROAPP_API_KEY":                  "ro-key",
	"ROSYNC_ROAPP_WEBHOOK_SECRET":           "ro-hook",
	"ROSYNC_SHOP_MAIN_STORE_KEY":            "ck_1",
	"ROSYNC_SHOP_MAIN_STORE_SECRET":         "cs_1",
	"ROSYNC_SHOP_MAIN_STORE_WEBHOOK_SECRET": "wh_1",
	"ROSYNC_SHOP_OUTLET_TOKEN":              "shpat_1",
	"ROSYNC_SHOP_OUTLET_WEBHOOK_SECRET":     "wh_2",
	"ROSYNC_SHOP_KYIV_LOGIN":                "api",
	"ROSYNC_SHOP_KYIV_PASSWORD":             "pw",
	"ROSYNC_SHOP_KYIV_WEBHOOK_SECRET":       "wh_3",
	"ROSYNC_SHOP_NOT_CONFIGURED_KEY":        "ignored",
	"ROSYNC_ADMIN_TOKEN":                    "admin-token-from-env",
}

// TestExampleConfig loads rosync.example.yaml with the secrets from the
// environment, as the README says to run it: one shop.
func TestExampleConfig(t *testing.T) {
	f, err := os.Open(exampleConfig)
	require.NoError(t, err)
	defer f.Close()
	cfg, err := LoadConfig(f, env(exampleEnv))
	require.NoError(t, err)
	require.Equal(t, ":8080", cfg.Listen)
	require.Equal(t, 5*time.Minute, time.Duration(cfg.PollInterval))
	want := ROAppConfig{APIKey: "ro-key", BaseURL: "https://api.roapp.io/v2", RequestsPerSecond: 3,
		BranchID: 1, OrderTypeID: 1, WebhookSecret: "ro-hook", AssigneeID: 1}
	if diff := cmp.Diff(want, cfg.ROApp); diff != "" {
		t.Errorf("roapp (-want +got):\n%s", diff)
	}
	require.Equal(t, StoreConfig{SQLitePath: "rosync.db"}, cfg.Store)
	require.Equal(t, AdminConfig{Token: "admin-token-from-env"}, cfg.Admin)
	require.Len(t, cfg.Shops, 1, "the example holds one shop, the others commented")
	woo := cfg.Shops[0]
	require.Equal(t, []string{"main-store", "woocommerce", "ck_1", "cs_1", "wh_1"},
		[]string{woo.Name, woo.Platform, woo.Key, woo.Secret, woo.WebhookSecret})
	require.Equal(t, map[string]string{"completed": "Closed", "cancelled": "Cancelled"}, woo.StatusMap)
}

// TestExampleConfigCommentedShops uncomments the example's other shops as
// its comment says and loads them: they stay valid.
func TestExampleConfigCommentedShops(t *testing.T) {
	data, err := os.ReadFile(exampleConfig)
	require.NoError(t, err)
	var lines []string
	more := false
	for l := range strings.Lines(string(data)) {
		more = more || strings.HasPrefix(l, "  # More shops")
		switch {
		case !more:
		case strings.HasPrefix(l, "  # - "), strings.HasPrefix(l, "  #   "):
			l = "  " + l[len("  # "):]
		case strings.TrimSpace(l) == "#":
			l = "\n"
		}
		lines = append(lines, l)
	}
	cfg, err := LoadConfig(strings.NewReader(strings.Join(lines, "")), env(exampleEnv))
	require.NoError(t, err)
	require.Len(t, cfg.Shops, 3)
	require.Equal(t, "shpat_1", cfg.Shops[1].Token)
	require.False(t, cfg.Shops[1].WarmIndex || cfg.Shops[1].PagedImport)
	kyiv := cfg.Shops[2]
	require.Equal(t, []string{"api", "pw", "UAH", "Europe/Kyiv"}, []string{kyiv.Login, kyiv.Password, kyiv.Currency, kyiv.Timezone})
	st := kyiv.Settings(cfg.ROApp)
	require.Equal(t, int64(1), st.BranchID)
	require.Equal(t, "sku", string(st.IdentifyProductsBy))
}

func TestEnvOverridesFile(t *testing.T) {
	const doc = `
roapp: {api_key: from-file, branch_id: 2, order_type_id: 3, assignee_id: 4}
store: {postgres_dsn: "postgres://db/rosync"}
shops:
  - {name: "my-shop.ua", platform: shopify, url: my.myshopify.com, token: file-token, webhook_secret: file-hook, branch_id: 7}
`
	cfg, err := LoadConfig(strings.NewReader(doc), env(map[string]string{
		"ROSYNC_ROAPP_API_KEY":                  "from-env",
		"ROSYNC_SHOP_MY_SHOP_UA_TOKEN":          "env-token",
		"ROSYNC_SHOP_MY_SHOP_UA_WEBHOOK_SECRET": "",
	}))
	require.NoError(t, err)
	require.Equal(t, "from-env", cfg.ROApp.APIKey)
	require.Equal(t, "env-token", cfg.Shops[0].Token)
	require.Equal(t, "file-hook", cfg.Shops[0].WebhookSecret, "an empty variable does not override")
	require.Equal(t, StoreConfig{PostgresDSN: "postgres://db/rosync"}, cfg.Store, "no SQLite default beside a DSN")
	st := cfg.Shops[0].Settings(cfg.ROApp)
	require.Equal(t, []int64{7, 3}, []int64{st.BranchID, st.OrderTypeID})
}

func TestEnvName(t *testing.T) {
	for in, want := range map[string]string{
		"main":       "ROSYNC_SHOP_MAIN_KEY",
		"my-shop.ua": "ROSYNC_SHOP_MY_SHOP_UA_KEY",
		"Kyiv_2":     "ROSYNC_SHOP_KYIV_2_KEY",
		"магазин":    "ROSYNC_SHOP_________KEY",
	} {
		if got := EnvName(in, "KEY"); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	const ok = `roapp: {api_key: k, branch_id: 1, order_type_id: 1, assignee_id: 1}
`
	const woo = `{name: a, platform: woocommerce, url: "https://a.example", key: k, secret: s, webhook_secret: w}`
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"unknown key", ok + "shops: [" + woo + "]\npoll_intervall: 5m\n",
			[]string{"config: poll_intervall (line 3): unknown key; did you mean poll_interval?"}},
		{"unknown shop key", ok + "shops: [{name: a, platfrom: woocommerce}]\n",
			[]string{"config: shops.a.platfrom (line 2): unknown key; did you mean shops.a.platform?"}},
		{"misspelt nested key", ok + "shops:\n  - name: main\n    defualt_region: UA\n",
			[]string{"config: shops.main.defualt_region (line 4): unknown key; did you mean shops.main.default_region?"}},
		{"unknown key, nothing near", ok + "shops: [{name: a, colour: red}]\nroapp_extra: 1\n",
			[]string{"config: shops.a.colour (line 2): unknown key\n", "config: roapp_extra (line 3): unknown key"}},
		{"unnamed shop by index", ok + "shops: [{platfrom: x}]\n", []string{"config: shops[0].platfrom (line 2): unknown key; did you mean shops[0].platform?"}},
		{"bad duration", ok + "poll_interval: often\nshops: [" + woo + "]\n", []string{`"often" is not a duration`}},
		{"no shops", ok, []string{"shops: at least one shop"}},
		{"no api key", "roapp: {branch_id: 1, order_type_id: 1}\nshops: [" + woo + "]\n",
			[]string{"roapp.api_key: missing (set it or ROSYNC_ROAPP_API_KEY)"}},
		{"missing credentials", ok + "shops: [{name: a, platform: woocommerce, url: \"https://a.example\"}]\n", []string{
			"shops.a.key: missing (set it or ROSYNC_SHOP_A_KEY)",
			"shops.a.secret: missing (set it or ROSYNC_SHOP_A_SECRET)",
			"shops.a.webhook_secret: missing (set it or ROSYNC_SHOP_A_WEBHOOK_SECRET)"}},
		{"unknown platform", ok + "shops: [{name: a, platform: magento, url: \"https://a.example\", webhook_secret: w}]\n",
			[]string{`shops.a.platform: "magento" is not cartum, `, `shopify or woocommerce`}}, // the test binary also registers myshop (example_test.go)
		{"cartum needs currency", ok + "shops: [{name: c, platform: cartum, url: \"https://c.example\", login: l, password: p, webhook_secret: w}]\n",
			[]string{"shops.c.currency: missing"}},
		{"duplicate and reserved names", ok + "shops: [" + woo + ", " + woo + ", {name: roapp, platform: shopify, url: x.myshopify.com, token: t, webhook_secret: w}]\n",
			[]string{"shops[1].name: duplicate shop name", `shops.roapp.name: "roapp" is taken`}},
		{"bad values", ok + "poll_interval: 10ms\nstore: {sqlite_path: a.db, postgres_dsn: postgres://x}\nshops: [{name: a, platform: woocommerce, url: ftp://a, key: k, secret: s, webhook_secret: w, identify_products_by: ean, timezone: Mars/Base, default_region: Ukraine}]\n",
			[]string{"poll_interval: must be at least 1s", "store: set sqlite_path or postgres_dsn, not both",
				"url: must be an absolute http(s) URL", `identify_products_by: "ean" is not name, sku or id`,
				`timezone: "Mars/Base" is not an IANA timezone`, `default_region: "Ukraine" is not a two-letter region`}},
		{"paged import is Shopify's", ok + "shops: [{name: a, platform: woocommerce, url: \"https://a.example\", key: k, secret: s, webhook_secret: w, paged_import: true}]\n",
			[]string{"shops.a.paged_import: only for Shopify"}},
		{"no branch", "roapp: {api_key: k}\nshops: [" + woo + "]\n",
			[]string{"branch_id: missing (here or roapp.branch_id)", "order_type_id: missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadConfig(strings.NewReader(tt.doc), env(nil))
			require.Error(t, err)
			for _, w := range tt.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

// TestConfigErrorsHideSecrets: a validation error names keys, never values.
func TestConfigErrorsHideSecrets(t *testing.T) {
	doc := "roapp: {api_key: sekrit-ro-key}\nshops: [{name: a, platform: woocommerce, url: \"https://a.example\", key: sekrit-ck, secret: sekrit-cs}]\n"
	_, err := LoadConfig(strings.NewReader(doc), env(nil))
	require.Error(t, err)
	require.NotContains(t, err.Error(), "sekrit")
}

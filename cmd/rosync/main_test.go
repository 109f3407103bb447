package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync/roapp/doctor"
	"github.com/rosync/rosync/roapp/roapptest"
)

const configYAML = `
listen: ":8080"
poll_interval: 5m
roapp:
  api_key: ""
  base_url: %URL%
  requests_per_second: 1000
  branch_id: 1
  order_type_id: 1
  assignee_id: 1
  external_ref_field: ""
  webhook_secret: ""
store:
  sqlite_path: rosync.db
shops:
  - name: main-store
    platform: woocommerce
    url: https://shop.example.com
    key: ck_test
    secret: cs_test
    webhook_secret: whsec_test
    identify_products_by: sku
    status_map:
      completed: Closed
`

func setup(t *testing.T) (string, *roapptest.Emulator) {
	t.Helper()
	emu := roapptest.New(roapptest.Seed{
		Currency:   "UAH",
		Rights:     []string{roapptest.RightAddWithoutDeduction},
		Products:   []roapptest.Product{{ID: 1, Title: "Phone", SKU: "PH-1", UOM: "piece"}},
		Statuses:   []roapptest.Status{{ID: 1, Name: "New", Group: roapptest.GroupNew}, {ID: 2, Name: "Closed", Group: roapptest.GroupClosedSuccessfully}},
		OrderTypes: []roapptest.OrderType{{ID: 1, Name: "Online store", InitialStatusID: 1}},
	}, &roapptest.Options{APIKey: "live-key"})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	path := filepath.Join(t.TempDir(), "rosync.yaml")
	require.NoError(t, os.WriteFile(path, []byte(strings.ReplaceAll(configYAML, "%URL%", srv.URL+"/v2")), 0o600))
	return path, emu
}

func env(key string) func(string) string {
	return func(name string) string {
		if name == "ROSYNC_ROAPP_API_KEY" {
			return key
		}
		return ""
	}
}

// TestDoctorCommand runs the command on the service's configuration file:
// the key comes from the environment, the exit status says whether a row
// failed.
func TestDoctorCommand(t *testing.T) {
	path, emu := setup(t)
	var out, errs strings.Builder
	code := run(context.Background(), []string{"doctor", "-config", path, "-shops=false"}, &out, &errs, env("live-key"))
	require.Equal(t, 0, code, "stderr: %s\n%s", errs.String(), out.String())
	require.Contains(t, out.String(), "shop_currency[main-store]")
	require.Contains(t, out.String(), "SKIP")
	require.Empty(t, emu.Snapshot().Orders, "read-only by default")

	out.Reset()
	code = run(context.Background(), []string{"doctor", "-config", path, "-shops=false"}, &out, &errs, env("wrong"))
	require.Equal(t, 1, code, "a FAIL row exits non-zero")
	require.Contains(t, out.String(), "roapp.api_key")

	out.Reset()
	code = run(context.Background(), []string{"doctor", "-config", path, "-shops=false", "-write", "-json"}, &out, &errs, env("live-key"))
	require.Equal(t, 0, code, out.String())
	var rep doctor.Report
	require.NoError(t, json.Unmarshal([]byte(out.String()), &rep))
	row, ok := rep.Row("write close")
	require.True(t, ok)
	require.Equal(t, doctor.OK, row.Result)
	require.Equal(t, "Closed", emu.Snapshot().Orders[0].Status, "-write leaves the test order closed")

	require.Equal(t, 2, run(context.Background(), []string{"doctor", "-config", "/nonexistent.yaml"}, &out, &errs, env("")))
	require.Equal(t, 2, run(context.Background(), []string{"lint"}, &out, &errs, env("")))
}

// TestExampleConfigReads: the service's example file is read, and shops
// are built from it (without contacting them).
func TestExampleConfigReads(t *testing.T) {
	secrets := func(name string) string { return "secret-from-" + name } // every secret from the environment
	fc, err := loadConfig("../../examples/server/rosync.example.yaml", secrets)
	require.NoError(t, err)
	cfg, err := doctorConfig(fc, true)
	require.NoError(t, err)
	// The example holds one shop; the others are commented out.
	require.Len(t, cfg.Shops, 1)
	require.Equal(t, int64(1), cfg.AssigneeID)
	require.NotNil(t, cfg.Shops[0].Info)
	require.Equal(t, "secret-from-ROSYNC_SHOP_MAIN_STORE_KEY", fc.Shops[0].Key)
}

// TestDoctorRefusesBadConfig: the doctor reads the file as the service
// does (service.LoadConfig), so a file the service would refuse — an
// unknown key, a missing secret — is a configuration error (exit 2) that
// names the key.
func TestDoctorRefusesBadConfig(t *testing.T) {
	path, _ := setup(t)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	for name, doc := range map[string]string{
		"unknown key":    strings.Replace(string(data), "identify_products_by", "identify_product_by", 1),
		"missing secret": strings.Replace(string(data), "    secret: cs_test\n", "", 1),
	} {
		bad := filepath.Join(t.TempDir(), "bad.yaml")
		require.NoError(t, os.WriteFile(bad, []byte(doc), 0o600))
		var out, errs strings.Builder
		require.Equal(t, 2, run(context.Background(), []string{"doctor", "-config", bad, "-shops=false"}, &out, &errs, env("live-key")), name)
		require.Contains(t, errs.String(), "shops.main-store.", name)
	}
}

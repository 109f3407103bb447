package replay

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad reads fuzzed fixtures: Load never panics, and a fixture it
// loads validates.
func FuzzLoad(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(demoDir, "*-demo.json"))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `{"platform":"woocommerce","now":"2026-11-27T12:00:00Z"}`,
		`{"platform":"woocommerce","now":"2026-11-27T12:00:00Z","events":[{"type":"platform_order","order":null}]}`,
		`{"platform":"woocommerce","now":"2026-11-27T12:00:00Z","events":[{"type":"ro_status","order_number":"1","status":"Closed"}]}`,
		`{"platform":"woocommerce","now":"0001-01-01T00:00:00Z"}`, `{"platform":"woocommerce","now":"2026-11-27T12:00:00Z"} x`,
		`{"platform":"woocommerce","now":"2026-11-27T12:00:00Z","shop":{"orders":[1,"a",null]},"roapp":{"contacts":[{"id":-1}]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fx, err := Load(bytes.NewReader(data))
		if err != nil {
			return
		}
		if err := fx.Validate(); err != nil {
			t.Fatalf("Load accepted a fixture that does not validate: %v", err)
		}
		_ = countOrders(fx)
	})
}

package replay

import (
	"encoding/json"
	"os"
	"strconv"
)

func mkdirTemp() (string, error) { return os.MkdirTemp("", "rosync-replay-") }
func removeAll(dir string)       { _ = os.RemoveAll(dir) }

// nativeID reads the platform order id of a native order object: the first
// of "id" (WooCommerce), "legacyResourceId" (Shopify), "order_id" (Cartum).
func nativeID(raw []byte) (string, bool) {
	var head map[string]json.RawMessage
	if json.Unmarshal(raw, &head) != nil {
		return "", false
	}
	for _, k := range []string{"legacyResourceId", "order_id", "id"} {
		v, ok := head[k]
		if !ok {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) == nil && s != "" {
			return s, true
		}
		var n json.Number
		if json.Unmarshal(v, &n) == nil {
			if _, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
				return n.String(), true
			}
		}
	}
	return "", false
}

func openFile(path string) (*os.File, error) { return os.Open(path) }

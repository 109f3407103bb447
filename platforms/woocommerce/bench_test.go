package woocommerce

import "testing"

// BenchmarkDecodeOrder maps one native order (the public fixture) to a
// validated rosync.Order, without API calls.
func BenchmarkDecodeOrder(b *testing.B) {
	raw := readFixture(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := decodeValidate(raw); err != nil {
			b.Fatal(err)
		}
	}
}

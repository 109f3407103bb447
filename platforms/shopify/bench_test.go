package shopify

import "testing"

func BenchmarkDecodeOrder(b *testing.B) {
	raw := []byte(exampleNode)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		d, err := decodeOrder(raw, false)
		if err != nil {
			b.Fatal(err)
		}
		if err := d.order.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

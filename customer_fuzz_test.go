package rosync

import (
	"strings"
	"testing"
)

// FuzzNormalizePhone checks CUS-3's phone normalisation on any input: it
// never panics, and what it returns is "" or an E.164 number (a '+', at
// most 16 characters), the same when normalised again.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{
		"050 111 22 33", "+380501112233", "00380501112233", "(044) 123-45-67", "+1 (415) 555-0100",
		"", "+", "++380", "0", "+0000000000000000000", "tel:+380501112233", "050 111 22 33 ext. 5",
		"٠٥٠١١١٢٢٣٣", "+３８０５０１１１２２３３", strings.Repeat("9", 70), "+380\x00501112233", "\xff\xfe",
	} {
		f.Add(s, "UA")
		f.Add(s, "")
	}
	f.Add("4155550100", "US")
	f.Add("020 7946 0018", "GB")
	f.Add("123", "ZZ")
	f.Fuzz(func(t *testing.T, raw, region string) {
		got, err := NormalizePhone(raw, region)
		if err != nil {
			if got != "" {
				t.Fatalf("NormalizePhone(%q, %q) = %q with error %v", raw, region, got, err)
			}
			return
		}
		if got == "" {
			return
		}
		if !strings.HasPrefix(got, "+") || len(got) > 16 {
			t.Fatalf("NormalizePhone(%q, %q) = %q: not E.164", raw, region, got)
		}
		for _, r := range got[1:] {
			if r < '0' || r > '9' {
				t.Fatalf("NormalizePhone(%q, %q) = %q: not digits", raw, region, got)
			}
		}
		again, err := NormalizePhone(got, region)
		if err != nil || again != got {
			t.Fatalf("NormalizePhone(%q) = %q, %v; want it unchanged", got, again, err)
		}
	})
}

package platformkit

import (
	"errors"
	"io"
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{"2.0", 2 * time.Second, true},
		{"0.25", 250 * time.Millisecond, true},
		{"-1", 0, false},
		{"NaN", 0, false},
		{"soon", 0, false},
		{"999999999999", MaxRetryAfter, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{now.Add(72 * time.Hour).Format(http.TimeFormat), MaxRetryAfter, true},
	}
	for _, tt := range tests {
		got, ok := RetryAfter(tt.in, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("RetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestRedact(t *testing.T) {
	got := Redact("token abcd1234 and key xyz and abcd1234 again", "abcd1234", "xyz", "")
	if want := "token [redacted] and key xyz and [redacted] again"; got != want {
		t.Errorf("Redact = %q, want %q (secrets under four characters are left)", got, want)
	}
}

func TestTransportError(t *testing.T) {
	err := error(&TransportError{Msg: "GET /x: unexpected EOF", Err: io.ErrUnexpectedEOF})
	if err.Error() != "GET /x: unexpected EOF" || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("TransportError = %q, unwraps to EOF: %v", err, errors.Is(err, io.ErrUnexpectedEOF))
	}
}
